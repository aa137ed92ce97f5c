package io.gevent4j.http;

import java.nio.charset.StandardCharsets;

/**
 * A response received by {@link HttpClient}, with its body read completely.
 *
 * @param status  the status code
 * @param version {@code "HTTP/1.1"} or {@code "HTTP/1.0"}
 * @param headers the header fields (and trailer fields of a chunked body)
 * @param body    the body bytes (empty for HEAD, 1xx, 204 and 304)
 * @param url     the URL that answered (after redirects, when following them)
 */
public record ClientResponse(int status, String version, HttpHeaders headers, byte[] body, String url) {
    /** {@return the body decoded as UTF-8} */
    public String bodyString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * {@return the first value of header {@code name}, or null}
     *
     * @param name the field name (case-insensitive)
     */
    public String header(String name) {
        return headers.get(name);
    }
}
