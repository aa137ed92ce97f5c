package io.gevent4j;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** File-system helpers for the cooperative file and process tests. */
public final class TestFiles {
    private TestFiles() {
    }

    /** Makes a named pipe (skips the test if {@code mkfifo} is missing): opening and reading it block until a peer comes. */
    public static Path fifo(Path dir, String name) throws IOException, InterruptedException {
        Path p = dir.resolve(name);
        Process mk;
        try {
            mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        } catch (IOException e) {
            Assumptions.abort("mkfifo is not available: " + e.getMessage());
            throw e;
        }
        Assumptions.assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo failed");
        return p;
    }

    /** How many of this JVM's file descriptors refer to {@code path} (Linux {@code /proc/self/fd}). */
    public static int descriptorsOf(Path path) {
        String target = path.toAbsolutePath().toString();
        int n = 0;
        for (File f : listFds()) {
            try {
                if (Files.readSymbolicLink(f.toPath()).toString().equals(target)) {
                    n++;
                }
            } catch (IOException ignored) {
                // closed meanwhile
            }
        }
        return n;
    }

    /** How many of this JVM's file descriptors are pipes. */
    public static int pipeDescriptors() {
        int n = 0;
        for (File f : listFds()) {
            try {
                if (Files.readSymbolicLink(f.toPath()).toString().startsWith("pipe:")) {
                    n++;
                }
            } catch (IOException ignored) {
                // closed meanwhile
            }
        }
        return n;
    }

    private static File[] listFds() {
        File[] fds = new File("/proc/self/fd").listFiles();
        Assumptions.assumeTrue(fds != null, "no /proc/self/fd on this system");
        return fds;
    }

    /**
     * Waits (cooperatively, up to 5 s) until some pool thread's stack shows {@code frame}: the blocking
     * call has really started, so a kill now abandons running work rather than a queued job.
     */
    public static void awaitThreadIn(String threadPrefix, String frame) {
        boolean found = eventually(() -> Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith(threadPrefix))
                .anyMatch(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.toString().contains(frame))));
        if (!found) {
            throw new AssertionError("no thread " + threadPrefix + "* ever ran " + frame);
        }
    }

    /** Polls {@code condition} for up to 5 s (for work that other threads finish). */
    public static boolean eventually(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Gevent.sleep(10);
        }
        return true;
    }
}
