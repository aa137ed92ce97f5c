package io.gevent4j.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body: exactly Content-Length bytes, or a chunked body decoded (RFC 9112 section 7.1)
 * with its trailer fields added to the request's headers. Reading past the configured maximum
 * throws {@link HttpStatusException} 413; a malformed chunk throws 400; a connection closed early
 * throws {@link EOFException}. {@link #close()} does not close the connection: it only marks the
 * body as abandoned, and the server drains or closes as needed.
 */
final class BodyInputStream extends InputStream {
    private static final int MAX_CHUNK_LINE = 4096;

    private final HttpInput in;
    private final boolean chunked;
    private final long maxBody;
    private final HttpHeaders trailers;
    private long remaining;        // in the current chunk, or of the fixed-length body
    private long total;
    private boolean done;
    private boolean closed;

    BodyInputStream(HttpInput in, RequestHead head, long maxBody) {
        this.in = in;
        this.chunked = head.chunked();
        this.maxBody = maxBody;
        this.trailers = head.headers();
        if (!chunked) {
            if (head.contentLength() > maxBody) {
                throw new HttpStatusException(413, "request body larger than " + maxBody + " bytes");
            }
            remaining = head.contentLength();
            done = remaining == 0;
        }
    }

    /** True once the whole body was read. */
    boolean isComplete() {
        return done;
    }

    /** True if the handler closed the body before reading all of it. */
    boolean isAbandoned() {
        return closed && !done;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("request body closed");
        }
        if (len == 0) {
            return 0;
        }
        if (done) {
            return -1;
        }
        if (chunked && remaining == 0) {
            nextChunk();
            if (done) {
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new EOFException("connection closed with " + remaining + " body bytes missing");
        }
        remaining -= n;
        if (remaining == 0) {
            if (chunked) {
                crlfAfterData();
            } else {
                done = true;
            }
        }
        return n;
    }

    /** The CRLF after chunk data; the end of the stream there is a connection closed early, not a bad chunk. */
    private void crlfAfterData() throws IOException {
        int cr = in.read();
        int lf = cr == '\r' ? in.read() : 0;
        if (cr < 0 || lf < 0) {
            throw new EOFException("connection closed in the middle of a chunked body");
        }
        if (cr != '\r' || lf != '\n') {
            throw new HttpStatusException(400, "chunk data not followed by CRLF");
        }
    }

    private void nextChunk() throws IOException {
        String line = in.readLine(MAX_CHUNK_LINE);
        int semi = line.indexOf(';');
        String hex = semi < 0 ? line : line.substring(0, semi);
        if (semi >= 0) {
            checkExtensions(line.substring(semi));
        }
        if (hex.isEmpty() || hex.length() > 15) {
            throw new HttpStatusException(400, "invalid chunk size");
        }
        long size = 0;
        for (int i = 0; i < hex.length(); i++) {
            int d = Character.digit(hex.charAt(i), 16);
            if (d < 0) {
                throw new HttpStatusException(400, "invalid chunk size");
            }
            size = size * 16 + d;
        }
        total += size;
        if (total > maxBody) {
            throw new HttpStatusException(413, "request body larger than " + maxBody + " bytes");
        }
        if (size == 0) {
            readTrailers();
            done = true;
        } else {
            remaining = size;
        }
    }

    /** chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string. */
    private static void checkExtensions(String ext) {
        int i = 0;
        int n = ext.length();
        while (i < n) {
            while (i < n && (ext.charAt(i) == ' ' || ext.charAt(i) == '\t')) {
                i++;
            }
            if (i >= n || ext.charAt(i) != ';') {
                throw new HttpStatusException(400, "invalid chunk extension");
            }
            i++;
            while (i < n && (ext.charAt(i) == ' ' || ext.charAt(i) == '\t')) {
                i++;
            }
            int s = i;
            while (i < n && ext.charAt(i) < 128 && HttpInput.isTchar((byte) ext.charAt(i))) {
                i++;
            }
            if (i == s) {
                throw new HttpStatusException(400, "invalid chunk extension");
            }
            while (i < n && (ext.charAt(i) == ' ' || ext.charAt(i) == '\t')) {
                i++;
            }
            if (i < n && ext.charAt(i) == '=') {
                i++;
                while (i < n && (ext.charAt(i) == ' ' || ext.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && ext.charAt(i) == '"') {
                    i++;
                    while (i < n && ext.charAt(i) != '"') {
                        char c = ext.charAt(i);
                        if (c == '\\') {
                            i++;
                        } else if (c < 0x20 && c != '\t' || c == 0x7f) {
                            throw new HttpStatusException(400, "invalid chunk extension");
                        }
                        i++;
                    }
                    if (i >= n) {
                        throw new HttpStatusException(400, "unterminated quoted chunk extension");
                    }
                    i++;
                } else {
                    int v = i;
                    while (i < n && ext.charAt(i) < 128 && HttpInput.isTchar((byte) ext.charAt(i))) {
                        i++;
                    }
                    if (i == v) {
                        throw new HttpStatusException(400, "invalid chunk extension");
                    }
                }
            }
        }
    }

    private void readTrailers() throws IOException {
        int bytes = 0;
        while (true) {
            String line = in.readLine(MAX_CHUNK_LINE);
            if (line.isEmpty()) {
                return;
            }
            bytes += line.length();
            if (bytes > 16 * 1024) {
                throw new HttpStatusException(431, "trailer section too large");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new HttpStatusException(400, "malformed trailer field");
            }
            String name = line.substring(0, colon);
            for (int i = 0; i < name.length(); i++) {
                if (name.charAt(i) >= 128 || !HttpInput.isTchar((byte) name.charAt(i))) {
                    throw new HttpStatusException(400, "malformed trailer field name");
                }
            }
            // Check before trimming: strip() would also eat control characters such as VT or FF.
            int vs = colon + 1;
            int ve = line.length();
            for (int i = vs; i < ve; i++) {
                char c = line.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new HttpStatusException(400, "control character in trailer field");
                }
            }
            while (vs < ve && (line.charAt(vs) == ' ' || line.charAt(vs) == '\t')) {
                vs++;
            }
            while (ve > vs && (line.charAt(ve - 1) == ' ' || line.charAt(ve - 1) == '\t')) {
                ve--;
            }
            String value = line.substring(vs, ve);
            // Framing fields must not be smuggled in as trailers.
            if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Transfer-Encoding")
                    && !name.equalsIgnoreCase("Host")) {
                trailers.add(name, value);
            }
        }
    }

    /** Reads and discards the rest of the body, up to {@code limit} bytes; false if more remained. */
    boolean drain(long limit) throws IOException {
        byte[] scratch = new byte[8192];
        long left = limit;
        while (!done && left > 0) {
            int n = read(scratch, 0, (int) Math.min(scratch.length, left));
            if (n < 0) {
                break;
            }
            left -= n;
        }
        return done;
    }

    @Override
    public void close() {
        closed = true;
    }
}
