package io.gevent4j.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A blocking java.net.Socket client that writes raw bytes and parses responses itself. */
final class RawClient implements AutoCloseable {
    record Resp(int status, String statusLine, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    final Socket socket;
    private final InputStream in;

    RawClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
    }

    RawClient send(String raw) throws IOException {
        socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return this;
    }

    /** Reads one final response (interim 1xx ones are skipped); {@code head}: the request was HEAD. */
    Resp read(boolean head) throws IOException {
        while (true) {
            Resp r = readOne(head);
            if (r.status >= 200) {
                return r;
            }
        }
    }

    Resp read() throws IOException {
        return read(false);
    }

    /** Reads one response, 1xx included. */
    Resp readOne(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String l;
        while (!(l = line()).isEmpty()) {
            int c = l.indexOf(':');
            headers.merge(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim(), (a, b) -> a + ", " + b);
        }
        String body = "";
        if (status >= 200 && status != 204 && status != 304 && !head) {
            String cl = headers.get("content-length");
            String te = headers.get("transfer-encoding");
            if (te != null && te.equalsIgnoreCase("chunked")) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                while (true) {
                    int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                    if (size == 0) {
                        while (!line().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    b.write(in.readNBytes(size));
                    line();
                }
                body = b.toString(StandardCharsets.ISO_8859_1);
            } else if (cl != null) {
                byte[] data = in.readNBytes(Integer.parseInt(cl));
                body = new String(data, StandardCharsets.ISO_8859_1);
            } else {
                body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
        }
        return new Resp(status, statusLine, headers, body);
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (sb.isEmpty()) {
                    return null;
                }
                throw new EOFException("connection closed mid-line: " + sb);
            }
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
    }

    /** True if the server closed the connection (EOF or reset) without sending more bytes. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
