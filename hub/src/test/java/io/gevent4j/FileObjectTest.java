package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cooperative file I/O: the work runs on the file pool while the greenlet parks; kills and timeouts
 * reach the greenlet at once and leave no descriptor behind. Named pipes (FIFOs) stand in for a slow
 * disk: opening or reading one blocks until a peer comes, so a test that needs another greenlet of the
 * same hub to make progress would deadlock if the file call blocked the hub.
 */
@ExtendWith(FreshHub.class)
@org.junit.jupiter.api.Timeout(30)
class FileObjectTest {
    @TempDir
    Path dir;

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /**
     * The writing end of a FIFO, opened by a platform thread: opening blocks until a reader opens the
     * other end, so the test can open its reader after this.
     */
    private record Writer(Thread opener, AtomicReference<FileOutputStream> stream) {
        static Writer open(Path fifo) {
            AtomicReference<FileOutputStream> out = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    out.set(new FileOutputStream(fifo.toFile()));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            return new Writer(t, out);
        }

        /** Waits until the reader's open let the writer's open through. */
        void opened() throws InterruptedException {
            opener.join();
        }

        FileOutputStream out() {
            return stream.get();
        }
    }

    @Test
    void wholeFileHelpersRoundTripOnThePool() throws IOException {
        Path a = dir.resolve("a.txt");
        assertEquals(a, FileObject.writeString(a, "héllo\nworld\n"));
        assertEquals("héllo\nworld\n", FileObject.readString(a));
        assertEquals(List.of("héllo", "world"), FileObject.readAllLines(a));
        byte[] data = random(3 * FileObject.CHUNK + 17);
        Path b = dir.resolve("b.bin");
        FileObject.write(b, data);
        assertArrayEquals(data, FileObject.readAllBytes(b));
        Path c = dir.resolve("c.bin");
        FileObject.copy(b, c);
        assertArrayEquals(data, Files.readAllBytes(c));
        FileObject.write(c, new byte[] {1, 2}, StandardOpenOption.APPEND);
        assertEquals(data.length + 2, Files.size(c));
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> FileObject.copy(a, c));
        FileObject.copy(a, c, StandardCopyOption.REPLACE_EXISTING);
        assertEquals("héllo\nworld\n", Files.readString(c));
        String worker = Gevent.spawn(() -> FileObject.call(() -> Thread.currentThread().getName())).get();
        assertTrue(worker.startsWith("gevent4j-threadpool-"), "a greenlet's file work runs on the pool: " + worker);
        Hub.current(); // the owner thread of a hub hands its file work to the pool too (its hub runs meanwhile)
        worker = FileObject.call(() -> Thread.currentThread().getName());
        assertTrue(worker.startsWith("gevent4j-threadpool-"), worker);
    }

    @Test
    void errorsArriveAsTheJdkThrowsThem() {
        Path missing = dir.resolve("missing");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FileObject.readAllBytes(missing));
        assertTrue(e.getMessage().contains("missing"));
        assertThrows(NoSuchFileException.class, () -> FileObject.open(missing));
        IOException custom = new IOException("custom");
        assertEquals(custom, assertThrows(IOException.class, () -> FileObject.call(() -> {
            throw custom;
        })));
    }

    @Test
    void aThreadWithoutAHubJustBlocks() throws Exception {
        Path a = dir.resolve("plain.txt");
        AtomicReference<Object> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                FileObject.writeString(a, "plain");
                seen.set(FileObject.readString(a) + " on " + FileObject.call(() -> Thread.currentThread().getName()));
                seen.set(seen.get() + (Hub.currentIfAny() == null ? ", no hub" : ", a hub was created"));
            } catch (IOException e) {
                seen.set(e);
            }
        });
        t.join();
        assertEquals("plain on " + t.getName() + ", no hub", seen.get());
    }

    @Test
    void openFileReadsAndWritesSequentiallyAndAtPositions() throws IOException {
        Path p = dir.resolve("rw.bin");
        byte[] data = random(2 * FileObject.CHUNK + 100);
        try (FileObject f = FileObject.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ByteBuffer src = ByteBuffer.wrap(data);
            assertEquals(data.length, f.write(src));
            assertFalse(src.hasRemaining());
            assertEquals(data.length, f.size());
            assertEquals(data.length, f.position());
            f.write(ByteBuffer.wrap(new byte[] {9, 9, 9}), 10);
            assertEquals(data.length, f.position(), "a positional write leaves the position alone");
            ByteBuffer one = ByteBuffer.allocate(5);
            assertEquals(5, f.read(one, 8));
            assertArrayEquals(new byte[] {data[8], data[9], 9, 9, 9}, one.array());
            assertEquals(-1, f.read(ByteBuffer.allocate(1), data.length), "at the end of file");
            f.position(0);
            ByteBuffer big = ByteBuffer.allocateDirect(data.length + 10);
            int n;
            int total = 0;
            while ((n = f.read(big)) > 0) {
                assertTrue(n <= FileObject.CHUNK, "one trip reads at most a chunk: " + n);
                total += n;
            }
            assertEquals(-1, n);
            assertEquals(data.length, total);
            byte[] back = new byte[data.length];
            big.flip().get(back);
            data[10] = data[11] = data[12] = 9;
            assertArrayEquals(data, back);
            f.position(5);
            assertArrayEquals(Arrays.copyOfRange(data, 5, data.length), f.readAllBytes());
            f.truncate(100);
            assertEquals(100, f.size());
            f.force(true);
            assertThrows(IllegalArgumentException.class, () -> f.read(ByteBuffer.allocate(1).asReadOnlyBuffer()));
            assertThrows(IllegalArgumentException.class, () -> f.read(ByteBuffer.allocate(1), -5));
            assertThrows(IllegalArgumentException.class, () -> f.position(-1));
        }
    }

    @Test
    void aClosedFileRefusesWork() throws IOException {
        Path p = dir.resolve("closed");
        Files.write(p, new byte[10]);
        FileObject f = FileObject.open(p);
        f.close();
        f.close();
        assertFalse(f.isOpen());
        assertThrows(ClosedChannelException.class, () -> f.read(ByteBuffer.allocate(4)));
        assertThrows(ClosedChannelException.class, f::size);
    }

    @Test
    void streamsRoundTripThroughTheirBuffers() throws IOException {
        Path p = dir.resolve("stream.bin");
        byte[] data = random(300_000);
        try (OutputStream out = FileObject.newOutputStream(p)) {
            out.write(data, 0, 10);
            out.write(data[10]);
            out.write(data, 11, data.length - 11);
        }
        assertArrayEquals(data, Files.readAllBytes(p));
        try (InputStream in = FileObject.newInputStream(p)) {
            assertEquals(data[0] & 0xff, in.read());
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            in.transferTo(rest);
            assertArrayEquals(Arrays.copyOfRange(data, 1, data.length), rest.toByteArray());
            assertEquals(-1, in.read());
        }
        assertThrows(IllegalArgumentException.class, () -> FileObject.newOutputStream(p, StandardOpenOption.READ));
    }

    @Test
    void aReadThatWaitsForAnotherGreenletDoesNotBlockTheHub() throws Exception {
        // Opening a FIFO for reading blocks until a writer opens it. Both ends are opened by greenlets
        // of this one hub: if the reader's open blocked the hub, the writer could never run.
        Path fifo = TestFiles.fifo(dir, "handshake");
        Greenlet<byte[]> reader = Gevent.spawn(() -> FileObject.readAllBytes(fifo));
        Greenlet<Path> writer = Gevent.spawn(() -> FileObject.write(fifo, "through the pipe".getBytes()));
        assertEquals("through the pipe", new String(reader.get(Duration.ofSeconds(10)), StandardCharsets.UTF_8));
        assertEquals(fifo, writer.get(Duration.ofSeconds(10)));
    }

    @Test
    void aTickingGreenletKeepsTickingDuringASlowRead() throws Exception {
        // A platform thread feeds the FIFO slowly (20 chunks, 10 ms apart): the read takes at least
        // 200 ms of wall time, all of it on the pool.
        Path fifo = TestFiles.fifo(dir, "slow");
        byte[] chunk = random(4096);
        Thread feeder = Thread.ofPlatform().start(() -> {
            try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
                for (int i = 0; i < 20; i++) {
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(10);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try (Ticker ticker = Ticker.start(5)) {
            int before = ticker.ticks();
            byte[] all = FileObject.readAllBytes(fifo);
            int during = ticker.ticks() - before;
            assertEquals(20 * chunk.length, all.length);
            assertTrue(during >= 3, "the ticker ticked " + during + " times during a read of >= 200 ms");
        }
        feeder.join();
    }

    @Test
    void aKillDuringABlockedOpenReturnsAtOnceAndTheLateFileIsClosed() throws Exception {
        Path fifo = TestFiles.fifo(dir, "no-writer-yet");
        Greenlet<FileObject> opener = Gevent.spawn(() -> FileObject.open(fifo));
        TestFiles.awaitThreadIn("gevent4j-threadpool-", "FileChannel.open"); // blocked in open(2) now
        assertFalse(opener.ready());
        opener.kill();
        assertTrue(opener.ready(), "the kill does not wait for the pool");
        assertInstanceOf(GreenletExit.class, opener.killedBy());
        // Now let the open complete: the channel nobody waits for any more must be closed.
        try (FileOutputStream w = new FileOutputStream(fifo.toFile())) {
            assertTrue(TestFiles.eventually(() -> TestFiles.descriptorsOf(fifo) == 1),
                    "only the writer's descriptor is left: " + TestFiles.descriptorsOf(fifo));
        }
        assertEquals(0, TestFiles.descriptorsOf(fifo));
    }

    @Test
    void aKillDuringABlockedReadReturnsAtOnceAndCloseReleasesThePoolThread() throws Exception {
        Path fifo = TestFiles.fifo(dir, "silent");
        // Hold a writer open that never writes.
        Writer writer = Writer.open(fifo);
        FileObject f = FileObject.open(fifo);
        writer.opened();
        try {
            int idle = FileObject.threadPool().pending();
            Greenlet<Integer> reader = Gevent.spawn(() -> f.read(ByteBuffer.allocate(10)));
            TestFiles.awaitThreadIn("gevent4j-threadpool-", "FileChannelImpl.read");
            assertFalse(reader.ready());
            assertEquals(idle + 1, FileObject.threadPool().pending(), "the read occupies a pool thread");
            reader.kill();
            assertTrue(reader.ready());
            assertInstanceOf(GreenletExit.class, reader.killedBy());
            assertTrue(f.isOpen(), "a kill does not close the file");
            f.close(); // wakes the pool thread stuck in read(2)
            assertTrue(TestFiles.eventually(() -> FileObject.threadPool().pending() == idle),
                    "the pool thread was released: " + FileObject.threadPool());
            assertEquals(1, TestFiles.descriptorsOf(fifo), "only the writer's descriptor is left");
        } finally {
            writer.out().close();
        }
    }

    @Test
    void aTimeoutInAStreamReadLeavesTheStreamUnusable() throws Exception {
        Path fifo = TestFiles.fifo(dir, "timeout");
        Writer writer = Writer.open(fifo);
        try (InputStream in = FileObject.newInputStream(fifo)) {
            writer.opened();
            Timeout t = Timeout.start(Duration.ofMillis(50));
            Timeout thrown;
            try {
                thrown = assertThrows(Timeout.class, in::read);
            } finally {
                t.close();
            }
            assertEquals(t, thrown);
            writer.out().write(1); // the abandoned read takes it, in the background
            IOException e = assertThrows(IOException.class, in::read);
            assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
        } finally {
            writer.out().close();
        }
        assertEquals(0, TestFiles.descriptorsOf(fifo));
    }

    @Test
    void buffersAreTheCallersOwnAfterAnInterruptedRead() throws Exception {
        Path fifo = TestFiles.fifo(dir, "late-data");
        Writer writer = Writer.open(fifo);
        try (FileObject f = FileObject.open(fifo)) {
            writer.opened();
            ByteBuffer mine = ByteBuffer.allocate(8);
            int idle = FileObject.threadPool().pending();
            Greenlet<Integer> reader = Gevent.spawn(() -> f.read(mine));
            TestFiles.awaitThreadIn("gevent4j-threadpool-", "FileChannelImpl.read");
            reader.kill();
            writer.out().write(new byte[] {7, 7, 7, 7});
            writer.out().flush();
            // The abandoned read completes in the background, into a buffer of its own.
            assertTrue(TestFiles.eventually(() -> FileObject.threadPool().pending() == idle), "the abandoned read finished");
            assertEquals(0, mine.position());
            assertArrayEquals(new byte[8], mine.array(), "the late read did not land in the caller's buffer");
        } finally {
            writer.out().close();
        }
    }
}
