package io.gevent4j.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gevent4j.http.Rfc6455Model.Ending;
import io.gevent4j.http.Rfc6455Model.Kind;
import io.gevent4j.http.Rfc6455Model.Msg;
import io.gevent4j.http.Rfc6455Model.Reading;
import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import static io.gevent4j.http.FuzzHarness.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Coverage-guided fuzzing of the WebSocket frame decoder (Jazzer): every input is what the peer sends
 * on an established WebSocket, then the stream ends. {@link WebSocket#receive()} runs until it returns
 * null or throws, over an in-memory {@link MemoryTransport}, and must agree with {@link Rfc6455Model}:
 * the same messages, a pong for every ping, the same ending (the peer's close code and reason, a
 * failure with the RFC's code and a close frame carrying it, or 1006 when the stream just ends), no
 * exception but {@link WebSocketException} and {@link EOFException}, no reading past the end, and
 * allocation bounded linearly in the input whatever the frames declare.
 *
 * <p>Input format: byte 0 chooses the setting: bit 0 set, this side is the client (the peer's frames
 * must be unmasked), else the server (they must be masked); bit 1 set, messages up to 1 MiB, else 256
 * bytes; bit 6 set, reads return at most {@code 1 + (byte0 >> 2 & 15)} bytes, else as many as asked.
 * So {@code '0'} is a server, {@code '1'} a client, {@code '2'} a server with the 1 MiB limit,
 * {@code '@'} a server reading byte by byte. The rest is the peer's bytes.
 *
 * <p>Regression mode replays {@code src/test/resources/io/gevent4j/http/WebSocketFrameFuzzTestInputs/frames/};
 * fuzzing: {@code JAZZER_FUZZ=1 mvn -B verify -pl http -am -Dtest=WebSocketFrameFuzzTest
 * -Djazzer.max_duration=10m -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class WebSocketFrameFuzzTest {
    static final int SMALL_MAX = 256;
    static final int LARGE_MAX = 1 << 20;
    /**
     * Heap one input may allocate: a constant plus a bounded amount per input byte (an empty unmasked
     * text message, two bytes, costs about 200: payload copy, decoder, String, Message).
     */
    static final long ALLOCATION_BASE = 64 * 1024;
    static final long ALLOCATION_PER_BYTE = 256;
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 1);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @AfterAll
    static void destroyHub() {
        Hub h = Hub.currentIfAny();
        if (h != null && h.owner() == Thread.currentThread()) {
            h.destroy();
        }
    }

    @FuzzTest(maxDuration = "2m")
    void frames(byte[] data) throws IOException {
        checkFrames(data);
    }

    /** What the decoder made of one input. */
    private record Outcome(List<WebSocket.Message> messages, WebSocketException failure, IOException cut,
                           int closeCode, String closeReason, boolean open, byte[] written) {
    }

    static void checkFrames(byte[] data) throws IOException {
        if (data.length == 0) {
            return;
        }
        int setting = data[0] & 0xff;
        boolean client = (setting & 1) != 0;
        int max = (setting & 2) != 0 ? LARGE_MAX : SMALL_MAX;
        int chunk = (setting & 0x40) != 0 ? 1 + (setting >> 2 & 15) : Integer.MAX_VALUE;
        byte[] stream = Arrays.copyOfRange(data, 1, data.length);
        Reading want = Rfc6455Model.read(stream, !client, max);
        // the first run links whatever this input reaches; allocation is measured on the second
        Outcome got = decode(stream, client, max, chunk);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        decode(stream, client, max, chunk);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        long bound = ALLOCATION_BASE + ALLOCATION_PER_BYTE * stream.length;
        check(allocated <= bound, "allocation bounded by the input: " + allocated + " bytes for " + stream.length
                + " (bound " + bound + ")", "");
        compare(want, got, client, HexFormat.of().formatHex(data, 0, Math.min(data.length, 64)));
    }

    private static Outcome decode(byte[] stream, boolean client, int max, int chunk) throws IOException {
        MemoryTransport t = new MemoryTransport(stream, chunk, Hub.current());
        WebSocket ws = new WebSocket(new UpgradedConnection(t, null, PEER), client,
                new WebSocket.Options().maxMessageSize(max), null);
        List<WebSocket.Message> messages = new ArrayList<>();
        WebSocketException failure = null;
        IOException cut = null;
        try {
            for (WebSocket.Message m; (m = ws.receive()) != null; ) {
                messages.add(m);
                if (messages.size() > stream.length / 2) { // every message takes a frame of two bytes at least
                    throw new AssertionError("no message out of nothing: " + messages.size() + " from " + stream.length + " bytes");
                }
            }
        } catch (WebSocketException e) {
            failure = e;
        } catch (EOFException e) {
            cut = e;
        }
        return new Outcome(messages, failure, cut, ws.closeCode(), ws.closeReason(), ws.isOpen(), t.written());
    }

    private static void compare(Reading want, Outcome got, boolean client, String input) {
        String where = "input " + input + "...; model " + want.ending() + " after " + want.messages() + "; decoder "
                + describe(got);
        List<Msg> messages = new ArrayList<>();
        for (WebSocket.Message m : got.messages()) {
            messages.add(new Msg(m.isText(), m.data()));
            if (m.isText()) {
                check(m.text().equals(new String(m.data(), StandardCharsets.UTF_8)), "text() is the payload", where);
            }
        }
        check(messages.equals(want.messages()), "the messages the model reassembles", where);
        check(!got.open(), "the connection is closed once receive() ended", where);

        List<byte[]> frames = frames(got.written(), client, where);
        byte[] close = null;
        List<byte[]> pongs = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            int op = f[0];
            byte[] payload = Arrays.copyOfRange(f, 1, f.length);
            if (op == 10 && close == null) {
                pongs.add(payload);
            } else {
                check(op == 8 && close == null && i == frames.size() - 1, "only pongs, then at most one close frame", where);
                close = payload;
            }
        }

        Ending e = want.ending();
        Kind kind;
        if (got.failure() != null) {
            kind = Kind.FAILED;
            int code = got.failure().closeCode();
            check(e.failCodes().contains(code), "a failure with one of " + e.failCodes(), where);
            check(got.closeCode() == code, "closeCode() is the failure's", where);
            check(close != null && close.length >= 2 && ((close[0] & 0xff) << 8 | close[1] & 0xff) == code,
                    "a close frame with the failure's code", where);
        } else if (got.cut() != null || got.closeCode() == WebSocket.ABNORMAL_CLOSURE) {
            kind = Kind.DROPPED;
            check(e.kind() == Kind.DROPPED || e.dropOk(), "the stream ended where the model reads on", where);
            check(got.closeCode() == WebSocket.ABNORMAL_CLOSURE, "closeCode() 1006 when the stream just ends", where);
            check(close == null, "no close frame to a stream that ended", where);
        } else {
            kind = Kind.CLOSED;
            check(e.kind() == Kind.CLOSED, "closed by the peer's close frame", where);
            check(got.closeCode() == e.code() && Objects.equals(got.closeReason(), e.reason()),
                    "the peer's close code and reason", where);
            byte[] echo = e.code() == WebSocket.NO_STATUS ? new byte[0] : new byte[] {(byte) (e.code() >> 8), (byte) e.code()};
            check(close != null && Arrays.equals(close, echo), "the close frame answered with the same code", where);
        }
        // a reading that stopped early (another acceptable outcome) answered a prefix of the pings
        boolean sameKind = kind == e.kind();
        check(sameKind ? pongs.size() == want.pings().size() : pongs.size() <= want.pings().size(),
                "a pong for every ping read", where);
        for (int i = 0; i < pongs.size(); i++) {
            check(Arrays.equals(pongs.get(i), want.pings().get(i)), "the pong carries the ping's payload", where);
        }
    }

    /** The frames this side wrote, each as its opcode followed by the unmasked payload. */
    private static List<byte[]> frames(byte[] out, boolean client, String where) {
        List<byte[]> frames = new ArrayList<>();
        int i = 0;
        while (i < out.length) {
            check(i + 2 <= out.length, "whole frames written", where);
            int b0 = out[i] & 0xff;
            int b1 = out[i + 1] & 0xff;
            check((b0 & 0xf0) == 0x80, "FIN set, no reserved bit", where);
            check(((b1 & 0x80) != 0) == client, "a client masks, a server does not", where);
            int len = b1 & 0x7f;
            check(len <= 125, "control frames only, of at most 125 bytes", where);
            int at = i + 2;
            byte[] mask = new byte[4];
            if (client) {
                check(at + 4 <= out.length, "whole frames written", where);
                System.arraycopy(out, at, mask, 0, 4);
                at += 4;
            }
            check(at + len <= out.length, "whole frames written", where);
            byte[] f = new byte[1 + len];
            f[0] = (byte) (b0 & 0x0f);
            for (int k = 0; k < len; k++) {
                f[1 + k] = (byte) (out[at + k] ^ mask[k & 3]);
            }
            frames.add(f);
            i = at + len;
        }
        return frames;
    }

    private static String describe(Outcome o) {
        String end = o.failure() != null ? "failed " + o.failure().closeCode() + " (" + o.failure().getMessage() + ")"
                : o.cut() != null ? "cut (" + o.cut().getMessage() + ")"
                : "ended " + o.closeCode() + " '" + o.closeReason() + "'";
        List<String> ms = new ArrayList<>();
        for (WebSocket.Message m : o.messages()) {
            ms.add((m.isText() ? "text " : "binary ") + m.data().length);
        }
        return end + " after " + ms;
    }

    // ------------------------------------------------------------------ the model against RFC 6455's own examples

    private static byte[] bytes(int... b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = (byte) b[i];
        }
        return r;
    }

    /** RFC 6455 section 5.7: "Hello" unmasked, masked, fragmented, with a ping; 256 and 65536 bytes binary. */
    @Test
    void modelReadsTheRfcExamples() {
        byte[] hello = "Hello".getBytes(StandardCharsets.US_ASCII);
        Reading unmasked = Rfc6455Model.read(bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f), false, SMALL_MAX);
        assertEquals(List.of(new Msg(true, hello)), unmasked.messages());
        assertEquals(Kind.DROPPED, unmasked.ending().kind());
        Reading masked = Rfc6455Model.read(bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58), true, SMALL_MAX);
        assertEquals(List.of(new Msg(true, hello)), masked.messages());
        assertEquals(Set.of(1002), Rfc6455Model.read(bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f), true, SMALL_MAX)
                .ending().failCodes(), "an unmasked frame to a server");
        Reading fragmented = Rfc6455Model.read(bytes(0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f,
                0x80, 0x02, 0x6c, 0x6f), false, SMALL_MAX);
        assertEquals(List.of(new Msg(true, hello)), fragmented.messages());
        assertEquals(1, fragmented.pings().size());
        byte[] b256 = new byte[2 + 2 + 256];
        b256[0] = (byte) 0x82;
        b256[1] = 0x7e;
        b256[2] = 0x01;
        assertEquals(256, Rfc6455Model.read(b256, false, SMALL_MAX).messages().get(0).payload().length);
        byte[] b64k = new byte[2 + 8 + 65536];
        b64k[0] = (byte) 0x82;
        b64k[1] = 0x7f;
        b64k[7] = 0x01;
        assertEquals(65536, Rfc6455Model.read(b64k, false, LARGE_MAX).messages().get(0).payload().length);
        assertEquals(Set.of(1009), Rfc6455Model.read(b64k, false, SMALL_MAX).ending().failCodes());
    }

    /** The model's rules on broken frames, each against a hand-made input. */
    @Test
    void modelFailsBrokenFrames() {
        assertEquals(Set.of(1002), Rfc6455Model.read(bytes(0xc1, 0x00), false, SMALL_MAX).ending().failCodes(), "RSV1");
        assertEquals(Set.of(1002), Rfc6455Model.read(bytes(0x83, 0x00), false, SMALL_MAX).ending().failCodes(), "opcode 3");
        assertEquals(Set.of(1002), Rfc6455Model.read(bytes(0x09, 0x00), false, SMALL_MAX).ending().failCodes(), "fragmented ping");
        assertEquals(Set.of(1002), Rfc6455Model.read(bytes(0x89, 0x7e, 0x00, 0x7e), false, SMALL_MAX).ending().failCodes(),
                "a 126-byte ping");
        assertEquals(Set.of(1002), Rfc6455Model.read(bytes(0x80, 0x00), false, SMALL_MAX).ending().failCodes(),
                "a continuation without a message");
        assertEquals(Set.of(1007), Rfc6455Model.read(bytes(0x81, 0x02, 0xc0, 0x80), false, SMALL_MAX).ending().failCodes(),
                "overlong UTF-8");
        assertEquals(Set.of(1007), Rfc6455Model.read(bytes(0x81, 0x03, 0xed, 0xa0, 0x80), false, SMALL_MAX).ending().failCodes(),
                "a surrogate");
        assertEquals(Set.of(1002), Rfc6455Model.read(bytes(0x88, 0x02, 0x03, 0xed), false, SMALL_MAX).ending().failCodes(),
                "close code 1005 sent");
        Ending close = Rfc6455Model.read(bytes(0x88, 0x04, 0x03, 0xe8, 0x6f, 0x6b), false, SMALL_MAX).ending();
        assertEquals(Kind.CLOSED, close.kind());
        assertEquals(1000, close.code());
        assertEquals("ok", close.reason());
        Ending cut = Rfc6455Model.read(bytes(0x01, 0x01, 0xff, 0x80), false, SMALL_MAX).ending();
        assertEquals(Kind.DROPPED, cut.kind());
        assertEquals(Set.of(1007), cut.failCodes(), "an invalid prefix may fail at once");
    }
}
