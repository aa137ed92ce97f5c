package io.gevent4j.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The buffered input side of one HTTP/1.1 connection: reads request heads with size limits and
 * strict RFC 9112 syntax, and serves body bytes (bytes already buffered first, so pipelined requests
 * are never lost).
 *
 * <p>Strictness (request-smuggling defence): lines end with CRLF only; no whitespace between a field
 * name and its colon; no obs-fold; no control characters in names, values or the request-target;
 * {@code Transfer-Encoding} together with {@code Content-Length}, duplicate or malformed
 * {@code Content-Length}, and any transfer coding other than a single final {@code chunked} are
 * rejected. Every rejection is an {@link HttpStatusException} with the status to answer.
 */
final class HttpInput {
    private final InputStream in;
    private byte[] buf;
    private int pos;
    private int limit;
    private final int maxRequestLine;
    private final int maxHeaderBytes;

    HttpInput(InputStream in, int maxRequestLine, int maxHeaderBytes) {
        this.in = in;
        this.maxRequestLine = maxRequestLine;
        this.maxHeaderBytes = maxHeaderBytes;
        this.buf = new byte[8192];
    }

    /** True if unread bytes are buffered (body bytes, or a next pipelined request). */
    boolean hasBuffered() {
        return pos < limit;
    }

    /**
     * Between requests: true if bytes of a next (pipelined) request are already buffered. Empty lines
     * before it are dropped first (RFC 9112 section 2.2), so a stray CRLF after a request does not
     * count as the start of one.
     */
    boolean hasRequestBuffered() {
        skipEmptyLines();
        return pos < limit && !(limit - pos == 1 && buf[pos] == '\r');
    }

    /**
     * Waits until at least one byte of a next request is buffered (the idle keep-alive wait), reading
     * past empty lines; false on EOF.
     */
    boolean awaitData() throws IOException {
        while (!hasRequestBuffered()) {
            if (!fill(maxHead())) {
                return false;
            }
        }
        return true;
    }

    /** Drops buffered CRLFs; a CR that is the last buffered byte stays (its LF may follow). */
    private void skipEmptyLines() {
        while (limit - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n') {
            pos += 2;
        }
    }

    /** Reads more bytes into the buffer, growing it up to {@code max}; false on EOF. */
    private boolean fill(int max) throws IOException {
        if (pos > 0 && pos == limit) {
            pos = limit = 0;
        }
        if (limit == buf.length) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            } else if (buf.length < max) {
                buf = Arrays.copyOf(buf, Math.min(max, buf.length * 2));
            } else {
                return true; // full: the caller's limit check fires
            }
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) {
            return false;
        }
        limit += n;
        return true;
    }

    /**
     * Reads the next request head; null on a clean EOF between requests.
     *
     * @throws HttpStatusException for a malformed or oversized head
     */
    RequestHead readHead() throws IOException {
        // Skip empty lines before the request line (RFC 9112 section 2.2).
        while (true) {
            if (pos == limit && !fill(maxHead())) {
                return null;
            }
            if (buf[pos] == '\r' && (limit - pos < 2 || buf[pos + 1] == '\n')) {
                if (limit - pos < 2) {
                    if (!fill(maxHead())) {
                        return null;
                    }
                    continue;
                }
                pos += 2;
            } else {
                break;
            }
        }
        // Buffer the whole head, scanning each byte once; offsets are relative to pos because
        // fill() may compact the buffer. Bytes that cannot be part of a request line (a TLS
        // ClientHello sent to the plain port, binary noise) are refused as soon as they arrive,
        // not after the header timeout.
        int scanned = 0;
        int lineLf = -1;
        int lastLf = -1;
        boolean inMethod = true;
        while (true) {
            while (pos + scanned < limit) {
                byte c = buf[pos + scanned];
                if (c == '\n') {
                    if (lineLf < 0) {
                        lineLf = scanned;
                    } else if (scanned == lastLf + 1 || scanned == lastLf + 2 && buf[pos + scanned - 1] == '\r') {
                        RequestHead head = parse(pos, pos + lineLf, pos + scanned + 1);
                        pos += scanned + 1;
                        return head;
                    }
                    lastLf = scanned;
                } else if (lineLf < 0) {
                    if (inMethod) {
                        if (c == ' ' && scanned > 0) {
                            inMethod = false;
                        } else if (!isTchar(c)) {
                            throw new HttpStatusException(400, "not an HTTP request");
                        }
                    } else if (c < 0x20 && c != '\r' || c == 0x7f || c < 0) {
                        throw new HttpStatusException(400, "invalid byte in the request line");
                    }
                }
                scanned++;
                if (lineLf < 0 && scanned > maxRequestLine + 2) {
                    throw new HttpStatusException(414, "request line too long");
                }
                if (lineLf >= 0 && scanned - lineLf > maxHeaderBytes + 2) {
                    throw new HttpStatusException(431, "request header fields too large");
                }
            }
            int before = limit - pos;
            if (!fill(maxHead())) {
                throw new HttpStatusException(400, "connection closed in the middle of the request head");
            }
            if (limit - pos == before) {
                throw new HttpStatusException(431, "request head too large");
            }
        }
    }

    private int maxHead() {
        return maxRequestLine + maxHeaderBytes + 8;
    }

    // ------------------------------------------------------------------ parsing

    private RequestHead parse(int start, int lineLf, int headEnd) {
        byte[] b = buf;
        if (lineLf == start || b[lineLf - 1] != '\r') {
            throw new HttpStatusException(400, "request line must end with CRLF");
        }
        int lineEnd = lineLf - 1;
        int i = start;
        while (i < lineEnd && isTchar(b[i])) {
            i++;
        }
        if (i == start || i >= lineEnd || b[i] != ' ') {
            throw new HttpStatusException(400, "malformed method");
        }
        String method = latin1(start, i);
        int t0 = ++i;
        while (i < lineEnd && b[i] > 0x20 && b[i] < 0x7f) {
            i++;
        }
        if (i == t0 || i >= lineEnd || b[i] != ' ') {
            throw new HttpStatusException(400, "malformed request-target");
        }
        String target = latin1(t0, i);
        int v0 = ++i;
        int minor = version(v0, lineEnd);
        HttpHeaders headers = new HttpHeaders();
        int p = lineLf + 1;
        while (true) {
            int lf = p;
            while (b[lf] != '\n') {
                lf++;
            }
            if (lf == p || b[lf - 1] != '\r') {
                throw new HttpStatusException(400, "header line must end with CRLF");
            }
            int e = lf - 1;
            if (e == p) {
                break; // the empty line
            }
            if (b[p] == ' ' || b[p] == '\t') {
                throw new HttpStatusException(400, "obsolete line folding is not allowed");
            }
            int n = p;
            while (n < e && isTchar(b[n])) {
                n++;
            }
            if (n == p || n >= e || b[n] != ':') {
                throw new HttpStatusException(400, n < e && (b[n] == ' ' || b[n] == '\t')
                        ? "whitespace between a header name and its colon" : "malformed header name");
            }
            String name = latin1(p, n);
            int vs = n + 1;
            while (vs < e && (b[vs] == ' ' || b[vs] == '\t')) {
                vs++;
            }
            int ve = e;
            while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
                ve--;
            }
            for (int k = vs; k < ve; k++) {
                int c = b[k] & 0xff;
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new HttpStatusException(400, "control character in header " + name);
                }
            }
            headers.add(name, latin1(vs, ve));
            p = lf + 1;
        }
        return frame(method, target, minor, headers);
    }

    private int version(int v0, int lineEnd) {
        byte[] b = buf;
        if (lineEnd - v0 == 8 && b[v0] == 'H' && b[v0 + 1] == 'T' && b[v0 + 2] == 'T' && b[v0 + 3] == 'P'
                && b[v0 + 4] == '/' && isDigit(b[v0 + 5]) && b[v0 + 6] == '.' && isDigit(b[v0 + 7])) {
            if (b[v0 + 5] == '1' && (b[v0 + 7] == '1' || b[v0 + 7] == '0')) {
                return b[v0 + 7] - '0';
            }
            throw new HttpStatusException(505, "HTTP version not supported");
        }
        throw new HttpStatusException(400, "malformed HTTP version");
    }

    private static RequestHead frame(String method, String target, int minor, HttpHeaders h) {
        int hosts = h.count("Host");
        if (minor == 1 && hosts != 1 || hosts > 1) {
            throw new HttpStatusException(400, hosts == 0 ? "missing Host header" : "more than one Host header");
        }
        if (hosts == 1 && !isValidHost(h.get("Host"))) {
            throw new HttpStatusException(400, "invalid Host header"); // RFC 9112 section 3.2: MUST answer 400
        }
        int te = h.count("Transfer-Encoding");
        int cl = h.count("Content-Length");
        if (te > 0) {
            if (cl > 0) {
                throw new HttpStatusException(400, "both Transfer-Encoding and Content-Length");
            }
            if (minor == 0) {
                throw new HttpStatusException(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            java.util.List<String> codings = new java.util.ArrayList<>();
            for (String v : h.getAll("Transfer-Encoding")) {
                for (String c : v.split(",", -1)) {
                    codings.add(c.trim());
                }
            }
            if (!codings.get(codings.size() - 1).equalsIgnoreCase("chunked")) {
                throw new HttpStatusException(400, "Transfer-Encoding must end with chunked");
            }
            if (codings.size() != 1) {
                throw new HttpStatusException(codings.stream().anyMatch(String::isEmpty) || codings.stream()
                        .filter(c -> c.equalsIgnoreCase("chunked")).count() > 1 ? 400 : 501,
                        "unsupported transfer coding " + codings);
            }
            return new RequestHead(method, target, minor, h, true, -1);
        }
        if (cl > 1) {
            throw new HttpStatusException(400, "more than one Content-Length");
        }
        long length = 0;
        if (cl == 1) {
            String v = h.get("Content-Length");
            if (v.isEmpty() || v.length() > 18) {
                throw new HttpStatusException(400, "malformed Content-Length");
            }
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c < '0' || c > '9') {
                    throw new HttpStatusException(400, "malformed Content-Length");
                }
                length = length * 10 + (c - '0');
            }
        }
        return new RequestHead(method, target, minor, h, false, length);
    }

    /**
     * {@code Host = uri-host [ ":" port ]} (RFC 3986): a bracketed IP literal (hex digits, colons and dots;
     * or an IPvFuture of unreserved, sub-delims and colons) or a reg-name of unreserved, sub-delims and
     * percent-escapes, then optionally a colon and digits. Empty is allowed (a URI without authority).
     */
    static boolean isValidHost(String v) {
        int n = v.length();
        int i = 0;
        if (n > 0 && v.charAt(0) == '[') {
            int close = v.indexOf(']');
            if (close < 2) {
                return false;
            }
            boolean future = v.charAt(1) == 'v' || v.charAt(1) == 'V';
            for (int k = 1; k < close; k++) {
                char c = v.charAt(k);
                boolean ok = future ? c < 128 && (HOST_CHAR[c] || c == ':') : Character.digit(c, 16) >= 0 && c < 128 || c == ':' || c == '.';
                if (!ok) {
                    return false;
                }
            }
            if (future && !v.substring(1, close).matches("[vV][0-9A-Fa-f]+\\..+")) {
                return false;
            }
            i = close + 1;
        } else {
            while (i < n && v.charAt(i) != ':') {
                char c = v.charAt(i);
                if (c == '%') {
                    if (i + 2 >= n || Character.digit(v.charAt(i + 1), 16) < 0 || Character.digit(v.charAt(i + 2), 16) < 0
                            || v.charAt(i + 1) >= 128 || v.charAt(i + 2) >= 128) {
                        return false;
                    }
                    i += 3;
                    continue;
                }
                if (c >= 128 || !HOST_CHAR[c]) {
                    return false;
                }
                i++;
            }
        }
        if (i == n) {
            return true;
        }
        if (v.charAt(i) != ':') {
            return false;
        }
        for (int k = i + 1; k < n; k++) {
            if (v.charAt(k) < '0' || v.charAt(k) > '9') {
                return false;
            }
        }
        return true;
    }

    /** unreserved / sub-delims (RFC 3986 section 2). */
    private static final boolean[] HOST_CHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            HOST_CHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            HOST_CHAR[c] = true;
            HOST_CHAR[c - 32] = true;
        }
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            HOST_CHAR[c] = true;
        }
    }

    private String latin1(int from, int to) {
        return new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    static boolean isTchar(byte c) {
        return c > 0 && TCHAR[c];
    }

    // ------------------------------------------------------------------ body bytes

    /**
     * Takes the bytes buffered and not read yet (after a protocol upgrade) and lets the buffer go:
     * an upgraded connection may stay open for hours, and the new protocol brings its own.
     */
    byte[] takeBuffered() {
        byte[] rest = Arrays.copyOfRange(buf, pos, limit);
        pos = limit = 0;
        buf = new byte[256];
        return rest;
    }

    /** Reads up to {@code len} body bytes (buffered ones first); -1 at EOF. */
    int read(byte[] dst, int off, int len) throws IOException {
        if (pos == limit) {
            if (len >= buf.length) {
                return in.read(dst, off, len);
            }
            pos = limit = 0;
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                return -1;
            }
            limit = n;
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(buf, pos, dst, off, n);
        pos += n;
        return n;
    }

    /** One body byte, or -1 at EOF. */
    int read() throws IOException {
        if (pos == limit) {
            pos = limit = 0;
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                return -1;
            }
            limit = n;
        }
        return buf[pos++] & 0xff;
    }

    /** Reads a CRLF-terminated line of at most {@code max} bytes (chunk sizes, trailers); without the CRLF. */
    String readLine(int max) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = read();
            if (c < 0) {
                throw new EOFException("connection closed in the middle of a chunked body");
            }
            if (c == '\r') {
                int lf = read();
                if (lf < 0) {
                    throw new EOFException("connection closed in the middle of a chunked body");
                }
                if (lf != '\n') {
                    throw new HttpStatusException(400, "bare CR in chunked body");
                }
                return sb.toString();
            }
            if (c == '\n') {
                throw new HttpStatusException(400, "bare LF in chunked body");
            }
            if (sb.length() >= max) {
                throw new HttpStatusException(400, "chunk line too long");
            }
            sb.append((char) c);
        }
    }
}
