package io.gevent4j.http;

/**
 * A request the server refuses with an HTTP error status (400, 413, 414, 431, 505, ...): the server
 * answers with the status and closes the connection.
 */
public class HttpStatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The HTTP status to answer with. */
    private final int status;

    /**
     * With the status to answer and a short reason (sent in the body, so no secrets).
     *
     * @param status the HTTP status code
     * @param reason the reason phrase
     */
    public HttpStatusException(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    /** {@return the HTTP status to answer with} */
    public int status() {
        return status;
    }
}
