package io.gevent4j.examples.http;

import io.gevent4j.FileObject;
import io.gevent4j.Gevent;
import io.gevent4j.http.HttpServer;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Serves a directory (default: the current one) on port 8082: files with {@code sendFile}, directories
 * as a plain listing; paths escaping the root get 403. Arguments: {@code [dir] [port]}. Ctrl-C stops.
 *
 * <p>Nothing here touches the disk on the hub's thread: {@code sendFile} opens and sends files off the
 * hub, and the directory checks and listings run on the file pool through {@link FileObject#call}.
 */
public final class FileServer {
    private FileServer() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8082;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), (req, resp) -> {
            Path p = root.resolve(req.path().substring(1)).normalize();
            if (!p.startsWith(root)) {
                resp.send(403, "forbidden\n");
            } else {
                String listing = FileObject.call(() -> { // null: not a directory
                    if (!Files.isDirectory(p)) {
                        return null;
                    }
                    try (Stream<Path> s = Files.list(p)) {
                        return s.map(f -> f.getFileName() + (Files.isDirectory(f) ? "/" : ""))
                                .sorted().collect(Collectors.joining("\n", "", "\n"));
                    }
                });
                if (listing != null) {
                    resp.send(listing);
                } else if (FileObject.call(() -> Files.isReadable(p))) {
                    resp.sendFile(p);
                } else {
                    resp.send(404, "not found\n");
                }
            }
        }).accessLog(true);
        System.out.println("serving " + root + " on http://127.0.0.1:" + port + "/ - Ctrl-C stops");
        Gevent.signalHandler("INT", () -> server.stop(Duration.ofSeconds(5)));
        Gevent.signalHandler("TERM", () -> server.stop(Duration.ofSeconds(5)));
        server.serveForever();
    }
}
