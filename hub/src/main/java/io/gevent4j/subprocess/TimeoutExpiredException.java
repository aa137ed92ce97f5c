package io.gevent4j.subprocess;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A process did not finish within the time given to {@link Subprocess#communicate(byte[], Duration)},
 * {@link Subprocess#run} or {@link Subprocess#checkOutput(ProcessBuilder, Duration)} (gevent's and
 * Python's {@code TimeoutExpired}). {@code communicate} leaves the process running (call it again to
 * keep collecting its output); {@code run} and {@code checkOutput} kill it first.
 */
public class TimeoutExpiredException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> command;
    private final transient Duration timeout;

    /**
     * {@code command} was still running after {@code timeout}.
     *
     * @param command the command and its arguments
     * @param timeout how long to wait at most
     */
    public TimeoutExpiredException(List<String> command, Duration timeout) {
        super("command " + command + " timed out after " + timeout.toMillis() + " ms");
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    /**
     * The command.
     *
     * @return the command and its arguments
     */
    public List<String> command() {
        return command;
    }

    /**
     * The time it was given.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }
}
