/**
 * An HTTP/1.1 server with a synchronous handler API (gevent's {@code pywsgi}): a greenlet per
 * connection, handlers written as plain blocking code.
 *
 * <pre>{@code
 * HttpServer.create(new InetSocketAddress(8080), (req, resp) -> resp.send("Hello, World!")).serveForever();
 * }</pre>
 *
 * <ul>
 *   <li>{@link io.gevent4j.http.HttpServer}: configuration (limits, timeouts, access log, hubs),
 *       start/serveForever/stop with draining.</li>
 *   <li>{@link io.gevent4j.http.HttpHandler}, {@link io.gevent4j.http.Request} (method, target, path,
 *       query parameters, {@link io.gevent4j.http.HttpHeaders headers}, streaming body) and
 *       {@link io.gevent4j.http.Response} (status, headers, {@code send}, {@code sendFile}, chunked
 *       {@code outputStream}).</li>
 *   <li>{@link io.gevent4j.http.HttpStatusException}: a handler (or the parser) refuses a request
 *       with a status.</li>
 *   <li>HTTPS: {@link io.gevent4j.http.HttpServer#https}; protocol upgrades:
 *       {@link io.gevent4j.http.Response#upgrade} and {@link io.gevent4j.http.UpgradedConnection};
 *       {@link io.gevent4j.http.WebSocket} (RFC 6455) on both sides.</li>
 *   <li>{@link io.gevent4j.http.HttpClient} with {@link io.gevent4j.http.ClientRequest},
 *       {@link io.gevent4j.http.ClientResponse} (buffered) and
 *       {@link io.gevent4j.http.StreamingResponse} (streamed).</li>
 * </ul>
 *
 * <h2>Why our own parser, not Netty's {@code HttpServerCodec}</h2>
 * The request head is parsed by {@code HttpInput}, a strict RFC 9112 parser written for this
 * package, in place from the connection's own read buffer: one scan finds the end of the head, a
 * second one validates and slices it into strings, and the body is served from the same buffer (bytes
 * of the next pipelined request stay there). Driving Netty's codec from a greenlet would mean an
 * {@code EmbeddedChannel}-style pipeline per connection, a {@code ByteBuf} hand-off per read and
 * {@code HttpRequest}/{@code HttpContent} objects per message — work the event-loop model needs and a
 * blocking greenlet does not. Responses are written into one reusable byte array per connection, with
 * the status lines, {@code Server} line and common header names precomputed and the {@code Date} line
 * formatted once per second; it is flushed once per response, or once per batch when pipelined
 * requests are already buffered. Correctness is held by a unit suite of the parser (fed whole and
 * byte by byte) and a table of malformed and edge-case requests sent over real sockets.
 *
 * <h2>Strictness</h2>
 * Request-smuggling defences per RFC 9112: lines end with CRLF only; no obs-fold, no whitespace
 * before a colon, no control characters in names, values or the target; {@code Content-Length}
 * together with {@code Transfer-Encoding}, duplicate or malformed {@code Content-Length}, and any
 * transfer coding other than a single final {@code chunked} are rejected with 400 (501 for an
 * unknown coding before {@code chunked}); chunk sizes and extensions are validated. Every rejection
 * closes the connection after the answer (with a short lingering read so the client sees the answer
 * rather than a reset).
 */
package io.gevent4j.http;
