package io.gevent4j.http;

import java.io.IOException;

/**
 * A WebSocket failed: the peer broke the protocol (the connection was closed with {@link #closeCode()}
 * 1002, 1007 or 1009 as RFC 6455 says), or a client handshake was refused ({@link #status()}).
 */
public class WebSocketException extends IOException {
    /** The close code (RFC 6455 section 7.4), or 0. */
    private final int closeCode;
    /** The HTTP status of a refused handshake, or 0. */
    private final int status;

    /**
     * A protocol failure closed with {@code closeCode}.
     *
     * @param closeCode the close code
     * @param message the message
     */
    public WebSocketException(int closeCode, String message) {
        this(closeCode, -1, message);
    }

    WebSocketException(int closeCode, int status, String message) {
        super(message);
        this.closeCode = closeCode;
        this.status = status;
    }

    /**
     * The close code sent to the peer (1002 protocol error, 1007 invalid data, 1009 too big...), or -1.
     *
     * @return the close code
     */
    public int closeCode() {
        return closeCode;
    }

    /**
     * For a refused client handshake: the server's HTTP status; otherwise -1.
     *
     * @return the status
     */
    public int status() {
        return status;
    }
}
