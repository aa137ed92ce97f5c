package io.gevent4j.subprocess;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.OnBackend;
import io.gevent4j.TestFiles;
import io.gevent4j.Ticker;
import io.gevent4j.Timeout;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Child processes on one hub: their pipes are read and written cooperatively, their exits awaited
 * cooperatively, and kills and timeouts end them without leaking descriptors or zombies. Every test
 * runs on the epoll loop (native pipes on the hub's own epoll) and on the NIO loop (the thread-backed
 * fallback).
 */
@org.junit.jupiter.api.Timeout(60)
class SubprocessTest {
    @TempDir
    Path dir;

    private int pipesBefore;

    @BeforeEach
    void countPipes() {
        pipesBefore = TestFiles.pipeDescriptors();
    }

    /** No pipe of ours and no child (zombie or not) is left. */
    private void assertNothingLeaks() {
        assertTrue(TestFiles.eventually(() -> ProcessHandle.current().children().findAny().isEmpty()),
                "children left: " + ProcessHandle.current().children().toList());
        assertTrue(TestFiles.eventually(() -> TestFiles.pipeDescriptors() <= pipesBefore),
                "pipes leaked: " + TestFiles.pipeDescriptors() + " open, " + pipesBefore + " before");
    }

    private static ProcessBuilder sh(String script) {
        return new ProcessBuilder("sh", "-c", script);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aHundredSleepingChildrenOnOneHubOverlapWhileATickerTicks(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            int n = 100;
            AtomicInteger reading = new AtomicInteger();
            AtomicInteger peakReading = new AtomicInteger();
            AtomicInteger ticksWhileReading = new AtomicInteger();
            Greenlet<Void> ticker = Gevent.spawn(() -> {
                while (true) {
                    Gevent.sleep(5);
                    if (reading.get() > 0) {
                        ticksWhileReading.incrementAndGet();
                    }
                }
            });
            long t0 = System.nanoTime();
            List<Greenlet<String>> children = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                children.add(Gevent.spawn(() -> {
                    try (Subprocess p = Subprocess.start(sh("sleep 0.2; echo line-" + id)
                            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                            .redirectError(ProcessBuilder.Redirect.DISCARD))) {
                        peakReading.accumulateAndGet(reading.incrementAndGet(), Math::max);
                        byte[] out;
                        try {
                            out = p.stdout().readAllBytes();
                        } finally {
                            reading.decrementAndGet();
                        }
                        assertEquals(0, p.waitFor());
                        return new String(out, StandardCharsets.UTF_8).strip();
                    }
                }));
            }
            Gevent.joinall(children, Duration.ofSeconds(50));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            ticker.kill();
            for (int i = 0; i < n; i++) {
                assertEquals("line-" + i, children.get(i).get(Duration.ZERO));
            }
            System.out.printf("%s: %d children x 200 ms on one hub: %d ms, %d ticks while reading, "
                    + "peak %d reading at once%n", backend, n, ms, ticksWhileReading.get(), peakReading.get());
            // One after the other, no tick could happen while a read blocks the hub, and no two reads
            // would ever be pending at once.
            assertTrue(ticksWhileReading.get() >= 10, "the ticker ticked " + ticksWhileReading + " times during reads");
            assertTrue(peakReading.get() >= 10, "at most " + peakReading + " children were read at once");
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aReadWaitsForAnotherGreenletsWriteToTheSameChild(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            try (Subprocess cat = Subprocess.start("cat")) {
                // The reader parks first; only if the hub keeps running can the writer feed cat.
                Greenlet<String> reader = Gevent.spawn(() ->
                        new BufferedReader(new InputStreamReader(cat.stdout(), StandardCharsets.UTF_8)).readLine());
                Greenlet<Void> writer = Gevent.spawn(() -> {
                    try (OutputStream in = cat.stdin()) {
                        in.write("hello cat\n".getBytes(StandardCharsets.UTF_8));
                    }
                    return null;
                });
                assertEquals("hello cat", reader.get(Duration.ofSeconds(10)));
                writer.get(Duration.ofSeconds(10));
                assertEquals(0, cat.waitFor());
            }
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aChildKilledByATimeout(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            long pid;
            Timeout t = new Timeout(Duration.ofMillis(200));
            try (Ticker ticker = Ticker.start(5)) {
                Timeout thrown;
                Subprocess[] started = new Subprocess[1];
                thrown = assertThrows(Timeout.class, () -> {
                    try (Subprocess p = Subprocess.start("sleep", "30")) {
                        started[0] = p;
                        t.start();
                        p.waitFor();
                    } finally {
                        t.close();
                    }
                });
                assertSame(t, thrown);
                assertTrue(ticker.ticks() >= 1, "the ticker ran during the wait: " + ticker.ticks());
                pid = started[0].pid();
                assertTrue(started[0].waitFor(Duration.ofSeconds(10)), "closing killed the child");
                assertEquals(128 + 9, started[0].poll(), "by SIGKILL");
            }
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aKillReachesAGreenletBlockedOnAChildsOutputAtOnce(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            try (Subprocess p = Subprocess.start("sleep", "30")) {
                Greenlet<Integer> reader = Gevent.spawn(() -> p.stdout().read());
                Gevent.sleep(50);
                assertFalse(reader.ready());
                reader.kill();
                assertNotNull(reader.killedBy());
                assertTrue(p.isAlive(), "killing the reader does not kill the child");
                // Closing the process while another greenlet is blocked on its output wakes that one.
                Greenlet<Integer> second = Gevent.spawn(() -> p.stderr().read());
                Gevent.sleep(20);
                p.close();
                assertTrue(second.join(Duration.ofSeconds(10)), "close did not wake the reader");
                assertThrows(IOException.class, () -> second.get(IOException.class));
                assertTrue(p.waitFor(Duration.ofSeconds(10)));
            }
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void checkOutputAndItsFailures(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            assertEquals("hi there\n", new String(Subprocess.checkOutput("echo", "hi", "there"), StandardCharsets.UTF_8));
            CalledProcessException e = assertThrows(CalledProcessException.class,
                    () -> Subprocess.checkOutput("sh", "-c", "echo partial; echo oops >&2; exit 3"));
            assertEquals(3, e.exitCode());
            assertEquals("partial\n", new String(e.stdout(), StandardCharsets.UTF_8));
            assertEquals("oops\n", new String(e.stderr(), StandardCharsets.UTF_8));
            assertTrue(e.getMessage().contains("exit status 3") && e.getMessage().contains("oops"), e.getMessage());
            assertEquals(List.of("sh", "-c", "echo partial; echo oops >&2; exit 3"), e.command());
            IOException missing = assertThrows(IOException.class, () -> Subprocess.checkOutput("/no/such/program"));
            assertTrue(missing.getMessage().contains("/no/such/program"), missing.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Subprocess.start(List.of()));
            assertEquals(7, Subprocess.call("sh", "-c", "exit 7"));
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void communicateFeedsAndDrainsAtOnceWithoutDeadlock(Backend backend) throws Exception {
        // 2 MiB through cat both ways: far more than a pipe holds, so writing all before reading
        // anything would deadlock.
        byte[] data = new byte[2 << 20];
        new Random(3).nextBytes(data);
        OnBackend.run(backend, hub -> {
            try (Subprocess cat = Subprocess.start(sh("cat; echo done >&2"))) {
                Subprocess.Result r = cat.communicate(data, Duration.ofSeconds(30));
                assertEquals(0, r.exitCode());
                assertArrayEquals(data, r.stdout());
                assertEquals("done\n", r.stderrText());
            }
            Subprocess.Result sorted = Subprocess.run(new ProcessBuilder("sort"), "b\nc\na\n".getBytes(), null);
            assertEquals("a\nb\nc\n", sorted.stdoutText());
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aCommunicateTimeoutLeavesTheChildRunningAndKeepsItsOutput(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            try (Subprocess p = Subprocess.start(sh("echo early; exec sleep 30"))) {
                TimeoutExpiredException e = assertThrows(TimeoutExpiredException.class,
                        () -> p.communicate(null, Duration.ofMillis(300)));
                assertEquals(Duration.ofMillis(300), e.timeout());
                assertTrue(p.isAlive(), "communicate's timeout does not kill");
                p.kill();
                Subprocess.Result r = p.communicate(null, Duration.ofSeconds(10));
                assertEquals("early\n", r.stdoutText(), "what came before the timeout is kept");
                assertEquals(128 + 9, r.exitCode());
            }
            // run() and checkOutput() kill on their timeout.
            assertThrows(TimeoutExpiredException.class,
                    () -> Subprocess.checkOutput(new ProcessBuilder("sleep", "30"), Duration.ofMillis(200)));
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void redirectsArePassedThroughAndUnpipedStreamsRefuseUse(Backend backend) throws Exception {
        Path out = dir.resolve("out.txt");
        OnBackend.run(backend, hub -> {
            try (Subprocess p = Subprocess.start(sh("echo to-file; echo err-too >&2").redirectOutput(out.toFile())
                    .redirectErrorStream(true))) {
                assertEquals(0, p.waitFor());
                assertThrows(IllegalStateException.class, p::stdout);
                assertThrows(IllegalStateException.class, p::stderr);
            }
            assertEquals("to-file\nerr-too\n", Files.readString(out));
            try (Subprocess p = Subprocess.start(sh("echo merged; echo err >&2").redirectErrorStream(true))) {
                assertEquals("merged\nerr\n", new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8));
                assertThrows(IllegalStateException.class, p::stderr);
                assertEquals(0, p.waitFor());
            }
            try (Subprocess p = Subprocess.start(sh("cat").redirectInput(ProcessBuilder.Redirect.from(out.toFile())))) {
                assertThrows(IllegalStateException.class, p::stdin);
                assertThrows(IllegalStateException.class, () -> p.communicate("x".getBytes(), null));
                assertEquals("to-file\nerr-too\n", p.communicate(null).stdoutText());
            }
            ProcessBuilder env = sh("echo $GREETING; pwd").directory(dir.toFile());
            env.environment().put("GREETING", "hello env");
            assertEquals("hello env\n" + dir.toRealPath() + "\n",
                    new String(Subprocess.checkOutput(env, null), StandardCharsets.UTF_8));
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void writingToAChildThatStoppedReadingIsABrokenPipe(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            try (Subprocess p = Subprocess.start("true")) {
                assertEquals(0, p.waitFor());
                OutputStream in = p.stdin();
                IOException e = assertThrows(IOException.class, () -> {
                    for (int i = 0; i < 100; i++) {
                        in.write(new byte[64 * 1024]);
                    }
                });
                assertTrue(e.getMessage().toLowerCase().contains("broken pipe")
                        || e.getMessage().toLowerCase().contains("stream closed"), e.getMessage());
            }
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void processesNobodyClosedLeaveNoPipeOnceCollected(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            for (int i = 0; i < 20; i++) {
                assertEquals(0, Subprocess.start("true").waitFor()); // never closed: 3 pipes each
            }
            if (backend == Backend.EPOLL) { // the JDK's own pipes (NIO) are closed by the JDK at the exit
                assertTrue(TestFiles.pipeDescriptors() > pipesBefore, "the pipes are open until collected");
            }
            assertTrue(TestFiles.eventually(() -> {
                System.gc();
                return TestFiles.pipeDescriptors() <= pipesBefore;
            }), "pipes of unreachable processes are closed: " + TestFiles.pipeDescriptors() + " open");
        });
        assertNothingLeaks();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void nativePipesBelongToTheirHub(Backend backend) throws Exception {
        OnBackend.run(backend, hub -> {
            try (Subprocess p = Subprocess.start("cat")) {
                InputStream out = p.stdout();
                Throwable[] seen = new Throwable[1];
                Thread other = Thread.ofPlatform().start(() -> {
                    try {
                        out.read();
                    } catch (Throwable t) {
                        seen[0] = t;
                    }
                });
                other.join();
                assertTrue(seen[0] instanceof IllegalStateException, String.valueOf(seen[0]));
                Thread closer = Thread.ofPlatform().start(p::close); // close works from anywhere
                closer.join();
                assertTrue(p.waitFor(Duration.ofSeconds(10)));
            }
        });
        assertNothingLeaks();
    }
}
