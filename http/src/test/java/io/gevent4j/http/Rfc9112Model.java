package io.gevent4j.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A strict reading of RFC 9112 (HTTP/1.1 message syntax and framing) with RFC 9110's rules for
 * {@code Host}, {@code Expect} and {@code Connection}: given everything a client sent on one
 * connection, what a correct server does with each request. Written for the fuzz tests as an
 * independent second implementation: slow, line-oriented, no shared code with {@link HttpInput}.
 *
 * <p>Each request gets one {@link Verdict}; the list ends at the first request after which a server
 * must not read further (a rejection, a request that ends the connection, or the end of the stream
 * in the middle of a request). Where the RFCs leave a server the choice, the verdict says so
 * ({@link Either}); where a head has several faults, any of their statuses is a right answer.
 *
 * <p>Deliberate choices, shared with the server's documentation: obs-fold, bare LF, whitespace
 * before a colon, {@code Transfer-Encoding} with {@code Content-Length}, a {@code Content-Length}
 * list and {@code Transfer-Encoding} in HTTP/1.0 are rejected (RFC 9112 allows rejecting each); the
 * request-target may hold any visible ASCII (not validated against RFC 3986, which is no framing
 * matter); implementation limits: chunk-size lines and trailer lines of at most 4096 bytes, chunk
 * sizes of at most 15 hex digits, trailer sections of at most 16 KiB, Content-Length of at most 18
 * digits.
 */
final class Rfc9112Model {
    /** The server's limits the model applies (the same meaning as HttpServer's settings). */
    record Limits(int maxRequestLine, int maxHeaderBytes, long maxBody) {
    }

    /** What a server must do with one request. */
    sealed interface Verdict {
    }

    /**
     * A well-framed request the server must hand to its handler and answer.
     *
     * @param fields    header fields then trailer fields, names as sent, values without surrounding OWS
     * @param keepAlive the connection persists after it
     */
    record Accepted(String method, String target, int minor, List<String[]> fields, byte[] body,
                    boolean keepAlive) implements Verdict {
        boolean isHead() {
            return method.equals("HEAD");
        }
    }

    /** A request the server must refuse with one of {@code statuses}, then close. */
    record Rejected(Set<Integer> statuses, String why) implements Verdict {
    }

    /** The server may do either: serve {@code accepted}, or refuse with one of {@code statuses} and close. */
    record Either(Accepted accepted, Set<Integer> statuses, String why) implements Verdict {
    }

    /**
     * The stream ended inside a request: in the head a server may answer 400 (or its size statuses)
     * or just close; in the body it closes without answering (unless the body was already malformed,
     * which is a {@link Rejected}).
     */
    record Incomplete(boolean inHead, Set<Integer> statuses) implements Verdict {
    }


    private static final int MAX_CHUNK_LINE = 4096;
    private static final int MAX_TRAILER_BYTES = 16 * 1024;

    private final byte[] in;
    private final Limits limits;
    private int p;

    private Rfc9112Model(byte[] in, Limits limits) {
        this.in = in;
        this.limits = limits;
    }

    /** The verdicts for the requests of one connection, in order. */
    static List<Verdict> read(byte[] stream, Limits limits) {
        return new Rfc9112Model(stream, limits).readAll();
    }

    private List<Verdict> readAll() {
        List<Verdict> out = new ArrayList<>();
        while (true) {
            // RFC 9112 section 2.2: a server SHOULD ignore at least one empty line before a request-line.
            while (p + 1 < in.length && in[p] == '\r' && in[p + 1] == '\n') {
                p += 2;
            }
            if (p >= in.length || p == in.length - 1 && in[p] == '\r') {
                return out; // the end (a last CR may be the start of one more empty line: nothing to answer)
            }
            Verdict v = readRequest();
            out.add(v);
            Accepted a = v instanceof Accepted acc ? acc : v instanceof Either e ? e.accepted() : null;
            if (a == null || !a.keepAlive() || v instanceof Either) {
                return out; // after an Either the two readings of the stream part ways: stop comparing
            }
        }
    }

    // ------------------------------------------------------------------ the head

    /** Collects every fault of one head, so that any of their statuses counts as right. */
    private static final class Faults {
        final Set<Integer> statuses = new LinkedHashSet<>();
        final List<String> why = new ArrayList<>();

        void add(int status, String reason) {
            statuses.add(status);
            why.add(status + " " + reason);
        }

        boolean any() {
            return !statuses.isEmpty();
        }
    }

    private Verdict readRequest() {
        int start = p;
        // Bytes that cannot be part of a request line (a TLS ClientHello on the plain port, binary
        // noise) are refused as they arrive, whether or not the head is complete: the method must be
        // a token up to the first space, and no control or non-ASCII byte may follow it on the line.
        boolean inMethod = true;
        for (int k = start; k < in.length && in[k] != '\n'; k++) {
            if (k - start > limits.maxRequestLine() + 2) {
                break; // too long first: 414
            }
            int c = in[k] & 0xff;
            if (inMethod) {
                if (c == ' ' && k > start) {
                    inMethod = false;
                } else if (!isTchar((char) c)) {
                    return new Rejected(Set.of(400), "a request line cannot start with these bytes");
                }
            } else if (c < 0x20 && c != '\r' || c >= 0x7f) {
                return new Rejected(Set.of(400), "control or non-ASCII byte in the request line");
            }
        }
        // The head is everything up to the first empty line; lines are split at LF here and each line
        // is then required to end with CR (a bare LF is a fault of that line).
        List<int[]> lines = new ArrayList<>(); // [from, to) without the line ending
        int q = start;
        int headEnd = -1;
        boolean bareLf = false;
        while (true) {
            int lf = indexOf(in, (byte) '\n', q);
            if (lf < 0) {
                break;
            }
            boolean crlf = lf > q && in[lf - 1] == '\r';
            bareLf |= !crlf;
            int to = crlf ? lf - 1 : lf;
            if (to == q && !lines.isEmpty()) {
                headEnd = lf + 1;
                break;
            }
            lines.add(new int[] {q, to});
            q = lf + 1;
        }
        Faults f = new Faults();
        // Size limits first: a server buffers the head before it parses it.
        int lineLen = lines.isEmpty() ? in.length - start : lines.get(0)[1] - lines.get(0)[0];
        boolean lineTooLong = lineLen > limits.maxRequestLine();
        long headerBytes = 0;
        for (int i = 1; i < lines.size(); i++) {
            headerBytes += lines.get(i)[1] - lines.get(i)[0] + 2;
        }
        if (headEnd < 0 && lines.size() > 0) {
            headerBytes += in.length - q; // the unfinished last line
        }
        boolean headersTooLarge = headerBytes > limits.maxHeaderBytes();
        if (lineTooLong) {
            f.add(414, "request line too long");
        }
        if (headersTooLarge) {
            f.add(431, "header section too large");
        }
        if (headEnd < 0) {
            // The stream ended before the empty line: a fault already visible may be answered, or 400.
            Set<Integer> s = new LinkedHashSet<>(f.statuses);
            s.add(400);
            if (bareLf || lines.size() > 0) {
                checkRequestLine(lines.isEmpty() ? null : lines.get(0), f);
            }
            s.addAll(f.statuses);
            return new Incomplete(true, s);
        }
        p = headEnd;
        if (bareLf) {
            f.add(400, "bare LF in the head");
        }
        if (in[headEnd - 1] == '\n' && (headEnd < 2 || in[headEnd - 2] != '\r')) {
            f.add(400, "head ends with a bare LF");
        }
        String[] line = checkRequestLine(lines.get(0), f);
        List<String[]> fields = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] field = field(lines.get(i)[0], lines.get(i)[1], f, "header");
            if (field != null) {
                fields.add(field);
            }
        }
        if (line == null || f.any()) {
            return rejected(f);
        }
        String method = line[0];
        String target = line[1];
        int minor = Integer.parseInt(line[2]);
        // ---- Host (RFC 9112 section 3.2)
        List<String> hosts = values(fields, "Host");
        if (minor == 1 && hosts.isEmpty()) {
            f.add(400, "missing Host");
        }
        if (hosts.size() > 1) {
            f.add(400, "more than one Host");
        }
        for (String h : hosts) {
            if (!validHost(h)) {
                f.add(400, "invalid Host value");
            }
        }
        // ---- framing (RFC 9112 section 6)
        List<String> te = values(fields, "Transfer-Encoding");
        List<String> cl = values(fields, "Content-Length");
        boolean chunked = false;
        long length = 0;
        boolean teEmptyElements = false;
        if (!te.isEmpty()) {
            if (!cl.isEmpty()) {
                f.add(400, "Transfer-Encoding and Content-Length");
            }
            if (minor == 0) {
                f.add(400, "Transfer-Encoding in HTTP/1.0");
            }
            List<String> codings = new ArrayList<>();
            for (String v : te) {
                for (String c : v.split(",", -1)) {
                    String t = trimOws(c);
                    if (t.isEmpty()) {
                        teEmptyElements = true;
                    } else {
                        codings.add(t);
                    }
                }
            }
            long chunkedCount = codings.stream().filter(c -> c.equalsIgnoreCase("chunked")).count();
            if (codings.isEmpty() || !codings.get(codings.size() - 1).equalsIgnoreCase("chunked")) {
                f.add(400, "chunked is not the final transfer coding");
            } else if (chunkedCount > 1) {
                f.add(400, "chunked applied more than once");
            } else if (codings.size() > 1) {
                boolean allTokens = codings.stream().allMatch(Rfc9112Model::isToken);
                f.add(501, "unsupported transfer coding");
                if (!allTokens) {
                    f.add(400, "malformed transfer coding");
                }
            }
            chunked = true;
        } else if (!cl.isEmpty()) {
            if (cl.size() > 1) {
                f.add(400, "more than one Content-Length");
            }
            String v = cl.get(0);
            if (v.isEmpty() || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                f.add(400, "malformed Content-Length");
            } else if (v.length() > 18) {
                f.add(400, "Content-Length too long");
                f.add(413, "Content-Length too long");
            } else {
                length = Long.parseLong(v);
                if (length > limits.maxBody()) {
                    f.add(413, "body larger than the limit");
                }
            }
        }
        // ---- Expect (RFC 9110 section 10.1.1): a server MAY answer 417 to an unknown expectation
        boolean unknownExpectation = false;
        for (String e : values(fields, "Expect")) {
            for (String member : e.split(",", -1)) {
                if (!trimOws(member).equalsIgnoreCase("100-continue")) {
                    unknownExpectation = true;
                }
            }
        }
        List<String> expects = values(fields, "Expect");
        boolean firstExpectKnown = expects.isEmpty() || expects.get(0).equalsIgnoreCase("100-continue");
        if (f.any()) {
            if (unknownExpectation) {
                f.add(417, "unknown expectation");
            }
            return rejected(f);
        }
        if (teEmptyElements) {
            // Section 5.6.1 asks recipients to ignore empty list elements; rejecting them is the
            // server's documented smuggling defence (a disagreement between two parsers on the list).
            f.add(400, "empty element in Transfer-Encoding");
            return rejected(f);
        }
        // ---- the body (RFC 9112 section 6.3)
        byte[] body;
        if (chunked) {
            Object r = readChunked(fields);
            if (r instanceof Verdict v) {
                return unknownExpectation ? withExpectation(v) : v;
            }
            body = (byte[]) r;
        } else {
            if (in.length - p < length) {
                p = in.length;
                return unknownExpectation ? new Incomplete(false, Set.of(417)) : new Incomplete(false, Set.of());
            }
            body = java.util.Arrays.copyOfRange(in, p, p + (int) length);
            p += (int) length;
        }
        boolean keep = minor == 1 ? !hasToken(fields, "Connection", "close") : hasToken(fields, "Connection", "keep-alive");
        Accepted a = new Accepted(method, target, minor, fields, body, keep);
        if (unknownExpectation) {
            if (!firstExpectKnown) {
                return new Rejected(Set.of(417), "unknown expectation");
            }
            return new Either(a, Set.of(417), "unknown expectation after 100-continue");
        }
        return a;
    }

    private static Verdict withExpectation(Verdict v) {
        if (v instanceof Rejected r) {
            Set<Integer> s = new LinkedHashSet<>(r.statuses());
            s.add(417);
            return new Rejected(s, r.why());
        }
        if (v instanceof Incomplete i) {
            return new Incomplete(i.inHead(), Set.of(417));
        }
        return v;
    }

    private static Rejected rejected(Faults f) {
        return new Rejected(Collections.unmodifiableSet(f.statuses), String.join("; ", f.why));
    }

    /** method SP request-target SP HTTP-version; null if malformed (the fault is recorded). */
    private String[] checkRequestLine(int[] range, Faults f) {
        if (range == null) {
            return null;
        }
        String line = latin1(range[0], range[1]);
        int sp1 = line.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
            f.add(400, "request line is not three parts");
            return null;
        }
        String method = line.substring(0, sp1);
        String target = line.substring(sp1 + 1, sp2);
        String version = line.substring(sp2 + 1);
        boolean ok = true;
        if (!isToken(method)) {
            f.add(400, "method is not a token");
            ok = false;
        }
        if (target.isEmpty() || !target.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            f.add(400, "request-target is not visible ASCII");
            ok = false;
        }
        if (version.length() != 8 || !version.startsWith("HTTP/") || !isDigit(version.charAt(5))
                || version.charAt(6) != '.' || !isDigit(version.charAt(7))) {
            f.add(400, "malformed HTTP-version");
            return null;
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            f.add(505, "HTTP version not supported");
            ok = false;
        }
        return ok ? new String[] {method, target, String.valueOf(version.charAt(7) - '0')} : null;
    }

    /** field-name ":" OWS field-value OWS; null if malformed (the fault is recorded). */
    private String[] field(int from, int to, Faults f, String what) {
        String line = latin1(from, to);
        if (line.startsWith(" ") || line.startsWith("\t")) {
            f.add(400, "obs-fold in " + what);
            return null;
        }
        int colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.substring(0, colon))) {
            f.add(400, "malformed " + what + " name");
            return null;
        }
        String value = trimOws(line.substring(colon + 1));
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                f.add(400, "control character in " + what + " value");
                return null;
            }
        }
        return new String[] {line.substring(0, colon), value};
    }

    // ------------------------------------------------------------------ chunked (RFC 9112 section 7.1)

    /** The decoded body, or the verdict if it is malformed, too large or cut short. */
    private Object readChunked(List<String[]> fields) {
        long total = 0;
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            String line = chunkLine();
            if (line == null) {
                return new Incomplete(false, Set.of());
            }
            if (line.startsWith("\u0000BAD")) {
                return new Rejected(Set.of(400), line.substring(4));
            }
            Faults f = new Faults();
            int semi = line.indexOf(';');
            String size = semi < 0 ? line : line.substring(0, semi);
            if (semi >= 0 && !validExtensions(line.substring(semi))) {
                f.add(400, "malformed chunk extension");
            }
            long n = -1;
            if (size.isEmpty() || size.length() > 15 || !size.chars().allMatch(Rfc9112Model::isHex)) {
                f.add(400, "malformed chunk size");
            } else {
                n = Long.parseLong(size, 16);
                total += n;
                if (total > limits.maxBody()) {
                    f.add(413, "body larger than the limit");
                }
            }
            if (f.any()) {
                return rejected(f);
            }
            if (n == 0) {
                return readTrailers(fields) instanceof Verdict v ? v : body.toByteArray();
            }
            if (in.length - p < n) {
                return new Incomplete(false, Set.of());
            }
            body.write(in, p, (int) n);
            p += (int) n;
            if (in.length - p < 2) {
                // a byte that is already wrong is a fault even before the stream ends
                if (in.length - p == 1 && in[p] != '\r') {
                    return new Rejected(Set.of(400), "chunk data not followed by CRLF");
                }
                return new Incomplete(false, Set.of());
            }
            if (in[p] != '\r' || in[p + 1] != '\n') {
                return new Rejected(Set.of(400), "chunk data not followed by CRLF");
            }
            p += 2;
        }
    }

    /** A CRLF-terminated line from p; null at the end of the stream; "\0BAD..." if malformed. */
    private String chunkLine() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (p >= in.length) {
                return null;
            }
            byte c = in[p++];
            if (c == '\r') {
                if (p >= in.length) {
                    return null;
                }
                if (in[p++] != '\n') {
                    return "\u0000BADbare CR in a chunk line";
                }
                return sb.toString();
            }
            if (c == '\n') {
                return "\u0000BADbare LF in a chunk line";
            }
            if (sb.length() >= MAX_CHUNK_LINE) {
                return "\u0000BADchunk line too long";
            }
            sb.append((char) (c & 0xff));
        }
    }

    /** trailer-section = *( field-line CRLF ); the allowed fields are appended to {@code fields}. */
    private Object readTrailers(List<String[]> fields) {
        int bytes = 0;
        while (true) {
            String line = chunkLine();
            if (line == null) {
                return new Incomplete(false, Set.of());
            }
            if (line.startsWith("\u0000BAD")) {
                return new Rejected(Set.of(400), line.substring(4));
            }
            if (line.isEmpty()) {
                return null;
            }
            bytes += line.length();
            if (bytes > MAX_TRAILER_BYTES) {
                return new Rejected(Set.of(431), "trailer section too large");
            }
            Faults f = new Faults();
            byte[] raw = line.getBytes(StandardCharsets.ISO_8859_1);
            Rfc9112Model sub = new Rfc9112Model(raw, limits);
            String[] field = sub.field(0, raw.length, f, "trailer");
            if (field == null) {
                return rejected(f);
            }
            // Framing and routing fields must not arrive as trailers (RFC 9110 section 6.5.1): dropped.
            String n = field[0];
            if (!n.equalsIgnoreCase("Content-Length") && !n.equalsIgnoreCase("Transfer-Encoding")
                    && !n.equalsIgnoreCase("Host")) {
                fields.add(field);
            }
        }
    }

    /** chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string. */
    private static boolean validExtensions(String ext) {
        String rest = ext;
        while (!rest.isEmpty()) {
            rest = skipBws(rest);
            if (!rest.startsWith(";")) {
                return false;
            }
            rest = skipBws(rest.substring(1));
            int n = tokenLength(rest);
            if (n == 0) {
                return false;
            }
            rest = skipBws(rest.substring(n));
            if (rest.startsWith("=")) {
                rest = skipBws(rest.substring(1));
                if (rest.startsWith("\"")) {
                    int i = 1;
                    while (true) {
                        if (i >= rest.length()) {
                            return false;
                        }
                        char c = rest.charAt(i);
                        if (c == '"') {
                            break;
                        }
                        if (c == '\\') {
                            // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                            if (i + 1 >= rest.length() || !qdtextOrPair(rest.charAt(i + 1), true)) {
                                return false;
                            }
                            i += 2;
                            continue;
                        }
                        if (!qdtextOrPair(c, false)) {
                            return false;
                        }
                        i++;
                    }
                    rest = rest.substring(i + 1);
                } else {
                    int v = tokenLength(rest);
                    if (v == 0) {
                        return false;
                    }
                    rest = rest.substring(v);
                }
            }
        }
        return true;
    }

    private static boolean qdtextOrPair(char c, boolean pair) {
        if (c == '\t' || c == ' ' || c >= 0x80 && c <= 0xff) {
            return true;
        }
        if (c < 0x21 || c == 0x7f) {
            return false;
        }
        return pair || c != '"' && c != '\\';
    }

    private static String skipBws(String s) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return s.substring(i);
    }

    private static int tokenLength(String s) {
        int i = 0;
        while (i < s.length() && isTchar(s.charAt(i))) {
            i++;
        }
        return i;
    }

    // ------------------------------------------------------------------ grammar pieces

    /** Host = uri-host [ ":" port ] (RFC 3986: IP-literal / IPv4address / reg-name); empty is allowed. */
    static boolean validHost(String h) {
        String host = h;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) {
                return false;
            }
            String lit = h.substring(1, close);
            if (lit.isEmpty() || !lit.chars().allMatch(c -> isHex(c) || c == ':' || c == '.')) {
                // IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
                if (!(lit.length() > 3 && (lit.charAt(0) == 'v' || lit.charAt(0) == 'V')
                        && lit.matches("(?s)[vV][0-9A-Fa-f]+\\.[A-Za-z0-9\\-._~!$&'()*+,;=:]+"))) {
                    return false;
                }
            }
            String rest = h.substring(close + 1);
            return rest.isEmpty() || rest.startsWith(":") && rest.substring(1).chars().allMatch(Rfc9112Model::isDigitInt);
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            if (!h.substring(colon + 1).chars().allMatch(Rfc9112Model::isDigitInt)) {
                return false;
            }
            host = h.substring(0, colon);
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '%') {
                if (i + 2 >= host.length() || !isHex(host.charAt(i + 1)) || !isHex(host.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (!(c < 128 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=".indexOf(c) >= 0))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> values(List<String[]> fields, String name) {
        List<String> out = new ArrayList<>();
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) {
                out.add(f[1]);
            }
        }
        return out;
    }

    private static boolean hasToken(List<String[]> fields, String name, String token) {
        for (String v : values(fields, name)) {
            for (String t : v.split(",", -1)) {
                if (trimOws(t).toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String trimOws(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
            a++;
        }
        while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
            b--;
        }
        return s.substring(a, b);
    }

    static boolean isToken(String s) {
        return !s.isEmpty() && tokenLength(s) == s.length();
    }

    /** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
    private static boolean isTchar(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isDigitInt(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(int c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private String latin1(int from, int to) {
        return new String(in, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
