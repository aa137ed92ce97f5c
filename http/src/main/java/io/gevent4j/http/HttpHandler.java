package io.gevent4j.http;

/**
 * Serves one HTTP request, written as plain blocking code: it runs in the connection's greenlet, so
 * reading the body, calling other services or sleeping parks only this greenlet.
 *
 * <pre>{@code
 * HttpServer.create(new InetSocketAddress(8080), (req, resp) -> resp.send("Hello, World!")).serveForever();
 * }</pre>
 *
 * <p>If the handler returns without sending anything, an empty response with the status set so far
 * (200 by default) is sent. If it throws before the response was committed the client gets a 500
 * (or the status of an {@link HttpStatusException}) without any stack trace; the exception is logged
 * and the server keeps serving.
 */
@FunctionalInterface
public interface HttpHandler {
    /**
     * Handles {@code request} by filling in {@code response}.
     *
     * @param request the request
     * @param response the response
     * @throws Exception answered with 500 and logged
     */
    void handle(Request request, Response response) throws Exception;
}
