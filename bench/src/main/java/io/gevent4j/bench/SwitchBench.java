package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.RawGreenlet;
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

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One switch round trip (A hands control to B, B hands it back), averaged over {@value #N} round
 * trips per invocation:
 * <ul>
 * <li>{@code continuation}: the floor - a bare {@code jdk.internal.vm.Continuation} run + yield;</li>
 * <li>{@code greenletParkUnpark}: two greenlets on one hub handing a turn back and forth with
 *     {@code LockSupport.park/unpark} (what every JDK blocking call inside a greenlet does);</li>
 * <li>{@code greenletRawSwitch}: greenlet's {@code switchTo} between two raw greenlets;</li>
 * <li>{@code virtualThreadParkUnpark}: the same hand-off between two plain virtual threads on the
 *     JDK's default scheduler;</li>
 * <li>{@code bareSchedulerParkUnpark}: the floor for any design built on virtual threads - the same
 *     hand-off between two virtual threads whose scheduler is a bare {@code ArrayDeque} drained by the
 *     benchmark thread (no loop, no hub).</li>
 * <li>{@code ownerSleepZero}: the hub's owner thread (a plain {@code main}) calling
 *     {@code Gevent.sleep(0)} while one greenlet is alive doing the same: since greenlets run on the
 *     hub's carrier thread, each call passes the baton to the carrier and back;</li>
 * <li>{@code ownerSleepZeroNoGreenlets}: the owner's {@code sleep(0)} on a hub that never had a
 *     greenlet (it runs its loop itself).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class SwitchBench {
    static final int N = 10_000;

    // ------------------------------------------------------------ bare continuation (baseline)

    private static final Object SCOPE;
    private static final MethodHandle NEW_CONTINUATION;
    private static final MethodHandle RUN;
    private static final MethodHandle YIELD;

    static {
        try {
            Class<?> scopeClass = Class.forName("jdk.internal.vm.ContinuationScope");
            Class<?> contClass = Class.forName("jdk.internal.vm.Continuation");
            MethodHandles.Lookup l = MethodHandles.lookup(); // our module reads the package only with --add-exports
            SCOPE = scopeClass.getConstructor(String.class).newInstance("bench");
            NEW_CONTINUATION = l.findConstructor(contClass, MethodType.methodType(void.class, scopeClass, Runnable.class))
                    .asType(MethodType.methodType(Object.class, Object.class, Runnable.class));
            RUN = l.findVirtual(contClass, "run", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            YIELD = l.findStatic(contClass, "yield", MethodType.methodType(boolean.class, scopeClass))
                    .asType(MethodType.methodType(boolean.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("run with --add-exports=java.base/jdk.internal.vm=ALL-UNNAMED: " + e);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void continuation() throws Throwable {
        Object cont = NEW_CONTINUATION.invokeExact(SCOPE, (Runnable) () -> {
            for (int i = 0; i < N; i++) {
                try {
                    boolean ignored = (boolean) YIELD.invokeExact(SCOPE);
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
            }
        });
        for (int i = 0; i <= N; i++) {
            RUN.invokeExact(cont);
        }
    }

    // ------------------------------------------------------------ greenlets

    private volatile int turn;

    @Benchmark
    @OperationsPerInvocation(N)
    public void greenletParkUnpark() {
        Thread[] threads = new Thread[2];
        turn = 0;
        Greenlet<Void> b = Gevent.spawn(() -> {
            threads[1] = Thread.currentThread();
            for (int i = 0; i < N; i++) {
                while (turn == 0) {
                    LockSupport.park();
                }
                turn = 0;
                LockSupport.unpark(threads[0]);
            }
        });
        Greenlet<Void> a = Gevent.spawn(() -> {
            threads[0] = Thread.currentThread();
            for (int i = 0; i < N; i++) {
                turn = 1;
                LockSupport.unpark(threads[1]);
                while (turn == 1) {
                    LockSupport.park();
                }
            }
        });
        a.join();
        b.join();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void greenletRawSwitch() {
        Gevent.spawn(() -> {
            RawGreenlet driver = RawGreenlet.getcurrent();
            RawGreenlet partner = new RawGreenlet(args -> {
                for (int i = 1; i < N; i++) {
                    driver.switchTo();
                }
                return null; // the last hand-back: control returns to the parent, the driver
            });
            for (int i = 0; i < N; i++) {
                partner.switchTo();
            }
        }).join();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void ownerSleepZero() {
        Greenlet<Void> other = Gevent.spawn(() -> {
            for (int i = 0; i < N; i++) {
                Gevent.sleep(0);
            }
        });
        for (int i = 0; i < N; i++) {
            Gevent.sleep(0);
        }
        other.join();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void ownerSleepZeroNoGreenlets() {
        for (int i = 0; i < N; i++) {
            Gevent.sleep(0);
        }
    }

    private static final java.lang.reflect.Constructor<?> BUILDER;

    static {
        try {
            BUILDER = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder")
                    .getDeclaredConstructor(java.util.concurrent.Executor.class);
            BUILDER.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final java.util.ArrayDeque<Runnable> runQueue = new java.util.ArrayDeque<>();

    @Benchmark
    @OperationsPerInvocation(N)
    public void bareSchedulerParkUnpark() throws ReflectiveOperationException {
        Thread.Builder.OfVirtual builder = (Thread.Builder.OfVirtual) BUILDER.newInstance(
                (java.util.concurrent.Executor) runQueue::add);
        Thread[] threads = new Thread[2];
        turn = 0;
        threads[1] = builder.unstarted(() -> {
            for (int i = 0; i < N; i++) {
                while (turn == 0) {
                    LockSupport.park();
                }
                turn = 0;
                LockSupport.unpark(threads[0]);
            }
        });
        threads[0] = builder.unstarted(() -> {
            for (int i = 0; i < N; i++) {
                turn = 1;
                LockSupport.unpark(threads[1]);
                while (turn == 1) {
                    LockSupport.park();
                }
            }
        });
        threads[1].start();
        threads[0].start();
        Runnable r;
        while ((r = runQueue.poll()) != null) {
            r.run();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void virtualThreadParkUnpark() throws InterruptedException {
        Thread[] threads = new Thread[2];
        turn = 0;
        threads[1] = Thread.ofVirtual().unstarted(() -> {
            for (int i = 0; i < N; i++) {
                while (turn == 0) {
                    LockSupport.park();
                }
                turn = 0;
                LockSupport.unpark(threads[0]);
            }
        });
        threads[0] = Thread.ofVirtual().unstarted(() -> {
            for (int i = 0; i < N; i++) {
                turn = 1;
                LockSupport.unpark(threads[1]);
                while (turn == 1) {
                    LockSupport.park();
                }
            }
        });
        threads[1].start();
        threads[0].start();
        threads[0].join();
        threads[1].join();
    }
}
