package io.gevent4j.http;

import io.gevent4j.http.Rfc9112Model.Accepted;
import io.gevent4j.http.Rfc9112Model.Either;
import io.gevent4j.http.Rfc9112Model.Incomplete;
import io.gevent4j.http.Rfc9112Model.Rejected;
import io.gevent4j.http.Rfc9112Model.Verdict;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The fuzz targets' shared part: the input format, and the parser-level driver that feeds one
 * connection's bytes through {@link HttpInput} and {@link BodyInputStream} and compares every verdict
 * with {@link Rfc9112Model}.
 *
 * <p>Input format: byte 0 chooses how the stream arrives ({@code '0'}..{@code '?'}: reads get as
 * many bytes as they ask for; {@code '@'}..{@code 'O'}: at most 1..16 bytes per read, a trickling
 * client); the rest is everything the client sends, then it closes. Corpus files are therefore
 * readable requests with one leading character.
 */
final class FuzzHarness {
    /** Small limits, so that the fuzzer reaches them. */
    static final Rfc9112Model.Limits LIMITS = new Rfc9112Model.Limits(256, 1024, 4096);
    /** Heap one input may allocate in the parser: a constant plus a bounded amount per input byte. */
    static final long ALLOCATION_BASE = 256 * 1024;
    static final long ALLOCATION_PER_BYTE = 256;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FuzzHarness() {
    }

    static byte[] stream(byte[] data) {
        return data.length == 0 ? data : Arrays.copyOfRange(data, 1, data.length);
    }

    static int readSize(byte[] data) {
        if (data.length == 0 || (data[0] & 0x40) == 0) {
            return Integer.MAX_VALUE;
        }
        return 1 + (data[0] & 0x0f);
    }

    /** A connection's input from memory, in reads of at most {@code chunk} bytes, that catches spinning readers. */
    static final class ScriptedInput extends InputStream {
        private final byte[] b;
        private final int chunk;
        private int pos;
        private int calls;
        private final int maxCalls;

        ScriptedInput(byte[] b, int chunk) {
            this.b = b;
            this.chunk = chunk;
            // every read returns at least one byte until the end; a few reads at the end are fine
            this.maxCalls = b.length + 64;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] dst, int off, int len) {
            if (++calls > maxCalls) {
                throw new AssertionError("parser spins: " + calls + " reads for " + b.length + " bytes");
            }
            if (len == 0) {
                return 0;
            }
            if (pos >= b.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, chunk), b.length - pos);
            System.arraycopy(b, pos, dst, off, n);
            pos += n;
            return n;
        }
    }

    // ------------------------------------------------------------------ the parser-level driver

    /** What the parser made of one request. */
    private record Parsed(RequestHead head, int status, boolean cleanEof, boolean eofInBody, boolean bodyMatches) {
    }

    /**
     * Feeds {@code data} to the parser and checks it against the model.
     *
     * @return the number of requests compared
     * @throws AssertionError on any disagreement, a spin, or too much allocation; any exception other than
     *                        {@link HttpStatusException} and {@link EOFException} escapes as itself
     */
    static int checkParser(byte[] data) throws IOException {
        byte[] stream = stream(data);
        List<Verdict> expected = Rfc9112Model.read(stream, LIMITS);
        byte[] scratch = new byte[4096];
        // The first pass links and initialises whatever this input reaches first (string concatenation,
        // lambdas, classes): allocation is measured on the second, identical pass.
        checkParser(data, stream, expected, scratch, false);
        return checkParser(data, stream, expected, scratch, true);
    }

    private static int checkParser(byte[] data, byte[] stream, List<Verdict> expected, byte[] scratch, boolean measure)
            throws IOException {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        HttpInput in = new HttpInput(new ScriptedInput(stream, readSize(data)), LIMITS.maxRequestLine(),
                LIMITS.maxHeaderBytes());
        int compared = 0;
        for (int i = 0; ; i++) {
            Verdict v = i < expected.size() ? expected.get(i) : null;
            Accepted want = v instanceof Accepted a ? a : v instanceof Either e ? e.accepted() : null;
            Parsed got = parseOne(in, want, scratch);
            compared++;
            String where = "request " + i + ", model " + describe(v) + ", parser " + describe(got);
            switch (v) {
                case null -> check(got.cleanEof(), "the stream ended cleanly", where);
                case Accepted a -> {
                    check(got.head() != null && got.status() == 0 && !got.eofInBody(), "a well-framed request is parsed", where);
                    checkSame(a, got, where);
                }
                case Rejected r -> {
                    if (r.statuses().equals(Set.of(417))) {
                        break; // the expectation is the connection's business, not the parser's
                    }
                    check(got.status() != 0 && r.statuses().contains(got.status()), "rejected with " + r.statuses(), where);
                }
                case Either e -> {
                    if (got.status() == 0) {
                        check(got.head() != null && !got.eofInBody(), "parsed or rejected", where);
                        checkSame(e.accepted(), got, where);
                    } else {
                        check(e.statuses().contains(got.status()), "parsed or rejected with " + e.statuses(), where);
                    }
                }
                case Incomplete inc -> {
                    if (inc.inHead()) {
                        check(got.cleanEof() || got.status() != 0 && inc.statuses().contains(got.status()),
                                "a cut head: nothing or " + inc.statuses(), where);
                    } else {
                        check(got.eofInBody() || got.status() != 0 && inc.statuses().contains(got.status()),
                                "a cut body: end of stream in the body", where);
                    }
                }
            }
            if (!(v instanceof Accepted a) || !a.keepAlive() || got.status() != 0) {
                break;
            }
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (!measure) {
            return compared;
        }
        long bound = ALLOCATION_BASE + ALLOCATION_PER_BYTE * stream.length;
        if (allocated > bound) {
            throw new AssertionError("parsing " + stream.length + " bytes allocated " + allocated + " bytes (bound " + bound + ")");
        }
        return compared;
    }

    private static Parsed parseOne(HttpInput in, Accepted want, byte[] scratch) throws IOException {
        RequestHead head;
        try {
            head = in.readHead();
        } catch (HttpStatusException e) {
            return new Parsed(null, e.status(), false, false, false);
        }
        if (head == null) {
            return new Parsed(null, 0, true, false, false);
        }
        if (!head.chunked() && head.contentLength() == 0) {
            return new Parsed(head, 0, false, false, want == null || want.body().length == 0);
        }
        BodyInputStream body;
        try {
            body = new BodyInputStream(in, head, LIMITS.maxBody());
        } catch (HttpStatusException e) {
            return new Parsed(head, e.status(), false, false, false);
        }
        boolean matches = want != null;
        int at = 0;
        try {
            while (true) {
                int n = body.read(scratch, 0, scratch.length);
                if (n < 0) {
                    break;
                }
                if (matches) {
                    matches = at + n <= want.body().length
                            && Arrays.equals(scratch, 0, n, want.body(), at, at + n);
                }
                at += n;
            }
        } catch (HttpStatusException e) {
            return new Parsed(head, e.status(), false, false, false);
        } catch (EOFException e) {
            return new Parsed(head, 0, false, true, false);
        }
        return new Parsed(head, 0, false, false, matches && want != null && at == want.body().length);
    }

    private static void checkSame(Accepted a, Parsed got, String where) {
        RequestHead h = got.head();
        check(h.method().equals(a.method()) && h.target().equals(a.target()) && h.minorVersion() == a.minor(),
                "the same request line", where);
        HttpHeaders headers = h.headers();
        boolean same = headers.size() == a.fields().size();
        for (int i = 0; same && i < headers.size(); i++) {
            same = headers.nameAt(i).equals(a.fields().get(i)[0]) && headers.valueAt(i).equals(a.fields().get(i)[1]);
        }
        check(same, "the same header and trailer fields", where + " " + fieldsOf(headers) + " vs " + fieldsOf(a.fields()));
        check(got.bodyMatches(), "the same body (" + a.body().length + " bytes)", where);
    }

    static void check(boolean ok, String property, String where) {
        if (!ok) {
            throw new AssertionError(property + ": " + where);
        }
    }

    private static String describe(Verdict v) {
        return switch (v) {
            case null -> "end of stream";
            case Accepted a -> "accepts " + a.method() + " " + abbreviate(a.target()) + " HTTP/1." + a.minor()
                    + " body " + a.body().length + (a.keepAlive() ? "" : " close");
            case Rejected r -> "rejects " + r.statuses() + " (" + r.why() + ")";
            case Either e -> "accepts or rejects " + e.statuses() + " (" + e.why() + ")";
            case Incomplete i -> "cut in the " + (i.inHead() ? "head" : "body") + " " + i.statuses();
        };
    }

    private static String describe(Parsed p) {
        if (p.cleanEof()) {
            return "end of stream";
        }
        if (p.status() != 0) {
            return "status " + p.status();
        }
        if (p.eofInBody()) {
            return "end of stream in the body";
        }
        return "parsed " + p.head().method() + " " + abbreviate(p.head().target()) + " HTTP/1." + p.head().minorVersion()
                + (p.bodyMatches() ? "" : " (other body)");
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static String fieldsOf(HttpHeaders h) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < h.size(); i++) {
            b.append(h.nameAt(i)).append(": ").append(h.valueAt(i)).append("; ");
        }
        return b.append(']').toString();
    }

    private static String fieldsOf(List<String[]> fields) {
        StringBuilder b = new StringBuilder("[");
        for (String[] f : fields) {
            b.append(f[0]).append(": ").append(f[1]).append("; ");
        }
        return b.append(']').toString();
    }

    // ------------------------------------------------------------------ what the server echoes

    /** A digest of what the handler saw: request line, fields (trailers included) and body. */
    static String digest(String method, String target, int minor, List<String[]> fields, byte[] body) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((method + "\n" + target + "\n" + minor + "\n").getBytes(StandardCharsets.ISO_8859_1));
            for (String[] f : fields) {
                md.update((f[0] + ":" + f[1] + "\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            md.update((byte) '\n');
            md.update(body);
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String digest(Accepted a) {
        return digest(a.method(), a.target(), a.minor(), a.fields(), a.body());
    }
}
