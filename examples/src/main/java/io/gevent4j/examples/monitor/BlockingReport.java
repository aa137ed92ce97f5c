package io.gevent4j.examples.monitor;

import io.gevent4j.FileObject;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.BlockingMonitor;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the blocking monitor and the run info show. A ticker greenlet ticks every 10 ms; meanwhile one
 * greenlet reads a file with the JDK's blocking {@code Files.readAllBytes} and then spins the CPU, both
 * holding the hub (the monitor reports them, naming the file read); the same file read through
 * {@link FileObject} keeps the ticker ticking. At the end the run info shows the hub and its greenlets.
 *
 * <pre>mvn -B -q -Pdemo -pl examples -am verify -DskipTests -Ddemo.main=io.gevent4j.examples.monitor.BlockingReport</pre>
 */
public final class BlockingReport {
    private BlockingReport() {
    }

    /** Runs the tour, printing to {@code out}; returns the ticks seen during each of the three phases. */
    public static int[] run(PrintStream out, Path file) throws Exception {
        BlockingMonitor.setMaxBlockingTime(Duration.ofMillis(100)); // the default is 1 s
        AtomicInteger ticks = new AtomicInteger();
        Greenlet<?> ticker = Gevent.spawn(() -> {
            while (true) {
                ticks.incrementAndGet();
                Gevent.sleep(10);
            }
        }).setName("ticker");
        int[] seen = new int[3];
        Gevent.sleep(30);

        out.println("-- a greenlet spins the CPU for 500 ms: every other greenlet waits, the monitor reports it");
        int t0 = ticks.get();
        Gevent.spawn(() -> spin(500)).setName("spinner").join();
        seen[0] = ticks.get() - t0;
        out.println("   the ticker ticked " + seen[0] + " times meanwhile");

        out.println("-- a greenlet reads the file with java.nio.file.Files (blocking), 20 times");
        t0 = ticks.get();
        Gevent.spawn(() -> {
            for (int i = 0; i < 20; i++) {
                Files.readAllBytes(file);
            }
        }).setName("blocking-reader").join();
        seen[1] = ticks.get() - t0;
        out.println("   the ticker ticked " + seen[1] + " times meanwhile");

        out.println("-- the same reads through FileObject (on a thread pool): the ticker keeps ticking");
        t0 = ticks.get();
        Gevent.spawn(() -> {
            for (int i = 0; i < 20; i++) {
                FileObject.readAllBytes(file);
            }
        }).setName("cooperative-reader").join();
        seen[2] = ticks.get() - t0;
        out.println("   the ticker ticked " + seen[2] + " times meanwhile");

        Greenlet<?> parent = Gevent.spawn(() -> {
            Gevent.spawn(() -> Gevent.sleep(60_000)).setName("child");
            Gevent.sleep(60_000);
        }).setName("parent");
        Gevent.sleep(5);
        out.println("-- run info (Gevent.printRunInfo(), or on a signal with Gevent.printRunInfoOn(\"USR2\")):");
        out.print(Gevent.formatRunInfo());
        Gevent.killall(List.of(ticker, parent));
        for (var g : Gevent.getHub().greenlets()) {
            ((Greenlet<?>) g).kill();
        }
        BlockingMonitor.setMaxBlockingTime(Duration.ofSeconds(1));
        return seen;
    }

    private static void spin(long millis) {
        long until = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("gevent4j-blocking-report", ".bin");
        try {
            Files.write(file, new byte[64 * 1024 * 1024]);
            run(System.out, file);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
