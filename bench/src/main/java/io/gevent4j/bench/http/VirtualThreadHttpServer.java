package io.gevent4j.bench.http;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Baseline: a virtual thread per connection on a blocking {@link ServerSocket}, the JDK's own
 * answer to the same problem. A minimal keep-alive HTTP/1.1 hello world (it reads request heads up to
 * the empty line and ignores bodies: GETs only), flushing when no further request bytes are buffered.
 * Run with {@code -Djdk.virtualThreadScheduler.parallelism=1} for one carrier thread.
 * Arguments: {@code port}.
 */
public final class VirtualThreadHttpServer {
    private VirtualThreadHttpServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        try (ServerSocket ss = new ServerSocket(port, 4096, InetAddress.getLoopbackAddress())) {
            System.out.println("virtual-thread http on " + ss.getLocalSocketAddress());
            while (true) {
                Socket s = ss.accept();
                Thread.ofVirtual().start(() -> serve(s));
            }
        }
    }

    private static void serve(Socket s) {
        byte[] body = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 16384);
            while (true) {
                // read a head: lines until an empty one
                int prev = -1;
                int c;
                int lineLen = 0;
                boolean any = false;
                while (true) {
                    c = in.read();
                    if (c < 0) {
                        out.flush();
                        return;
                    }
                    any = true;
                    if (c == '\n') {
                        if (lineLen == 0 || lineLen == 1 && prev == '\r') {
                            break;
                        }
                        lineLen = 0;
                    } else {
                        lineLen++;
                    }
                    prev = c;
                }
                if (!any) {
                    return;
                }
                String head = "HTTP/1.1 200 OK\r\nServer: vt\r\nDate: "
                        + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC))
                        + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length + "\r\n\r\n";
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                if (in.available() == 0) {
                    out.flush();
                }
            }
        } catch (IOException e) {
            // client went away
        }
    }
}
