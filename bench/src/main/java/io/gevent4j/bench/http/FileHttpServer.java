package io.gevent4j.bench.http;

import io.gevent4j.http.HttpServer;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The wrk target of {@code bench/sendfile-bench.sh}: gevent4j's {@link HttpServer} serving files from a
 * directory on one hub. Arguments: {@code port mode dir}, mode {@code sendfile}
 * ({@link io.gevent4j.http.Response#sendFile}: opened on the file pool, zero-copy sendfile(2) with the
 * page-cache check) or {@code hubread} (the baseline: the file opened and read on the hub's thread into
 * the response stream, 64 KiB at a time, as {@code sendFile} did before). Runs until killed.
 */
public final class FileHttpServer {
    private FileHttpServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        boolean sendfile = args[1].equals("sendfile");
        Path root = Path.of(args[2]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), (req, resp) -> {
            Path p = root.resolve(req.path().substring(1));
            if (sendfile) {
                resp.sendFile(p);
                return;
            }
            try (FileChannel ch = FileChannel.open(p)) {
                long size = ch.size();
                resp.header("Content-Type", "application/octet-stream").header("Content-Length", Long.toString(size));
                OutputStream out = resp.outputStream();
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(size, 1), 64 * 1024));
                while (ch.read(buf.clear()) > 0) {
                    out.write(buf.array(), 0, buf.position());
                }
                out.close();
            }
        }).backlog(4096);
        server.start();
        System.out.println("gevent4j file server (" + args[1] + ") on " + server.address());
        server.serveForever();
    }
}
