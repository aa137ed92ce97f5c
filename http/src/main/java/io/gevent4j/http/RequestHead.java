package io.gevent4j.http;

/**
 * A parsed request line and header section, with the body framing decided by RFC 9112 section 6.
 *
 * @param method        the method token, case-sensitive
 * @param target        the request-target as sent
 * @param minorVersion  0 for HTTP/1.0, 1 for HTTP/1.1
 * @param headers       the header fields
 * @param chunked       the body is chunked
 * @param contentLength the body length when not chunked (0: no body)
 */
record RequestHead(String method, String target, int minorVersion, HttpHeaders headers, boolean chunked,
                   long contentLength) {
}
