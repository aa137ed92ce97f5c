package io.gevent4j.bench;

import io.gevent4j.Channel;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Queue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * ns per item handed from a producer to a consumer, {@value #N} items per invocation:
 * gevent4j's {@link Queue} between two greenlets of one hub against
 * {@link LinkedBlockingQueue} between two plain virtual threads (the JDK's scheduler), unbounded
 * and with capacity 1 (every item forces a switch), and {@link Channel} against {@link SynchronousQueue}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class QueueBench {
    static final int N = 10_000;
    private static final Integer ITEM = 42;

    private static void greenlets(Queue<Integer> q) {
        Greenlet<Void> consumer = Gevent.spawn(() -> {
            for (int i = 0; i < N; i++) {
                q.get();
            }
        });
        Greenlet<Void> producer = Gevent.spawn(() -> {
            for (int i = 0; i < N; i++) {
                q.put(ITEM);
            }
        });
        producer.join();
        consumer.join();
    }

    private static void virtualThreads(BlockingQueue<Integer> q) throws InterruptedException {
        Thread consumer = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < N; i++) {
                    q.take();
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread producer = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < N; i++) {
                    q.put(ITEM);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        producer.join();
        consumer.join();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void geventQueueUnbounded() {
        greenlets(new Queue<>());
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void geventQueueCapacity1() {
        greenlets(new Queue<>(1));
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void geventChannel() {
        Channel<Integer> ch = new Channel<>();
        Greenlet<Void> consumer = Gevent.spawn(() -> {
            for (int i = 0; i < N; i++) {
                ch.get();
            }
        });
        Greenlet<Void> producer = Gevent.spawn(() -> {
            for (int i = 0; i < N; i++) {
                ch.put(ITEM);
            }
        });
        producer.join();
        consumer.join();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void jdkLinkedBlockingQueueUnbounded() throws InterruptedException {
        virtualThreads(new LinkedBlockingQueue<>());
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void jdkLinkedBlockingQueueCapacity1() throws InterruptedException {
        virtualThreads(new LinkedBlockingQueue<>(1));
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void jdkSynchronousQueue() throws InterruptedException {
        virtualThreads(new SynchronousQueue<>());
    }
}
