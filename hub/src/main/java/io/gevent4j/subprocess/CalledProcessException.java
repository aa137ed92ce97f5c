package io.gevent4j.subprocess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A process run by {@link Subprocess#checkOutput} (or {@link Subprocess.Result#check()}) exited with a
 * non-zero status (gevent's and Python's {@code CalledProcessError}). The message carries the start of
 * what the process wrote to its standard error, when that was captured.
 */
public class CalledProcessException extends IOException {
    private static final long serialVersionUID = 1L;
    private static final int STDERR_IN_MESSAGE = 500;

    private final transient List<String> command;
    /** The exit status of the process. */
    private final int exitCode;
    private final transient byte[] stdout;
    private final transient byte[] stderr;

    /**
     * A failure of {@code command} with {@code exitCode}; the outputs may be null when not captured.
     *
     * @param command the command and its arguments
     * @param exitCode the exit code
     * @param stderr what the process printed on standard error
     * @param stdout what the process printed on standard output
     */
    public CalledProcessException(List<String> command, int exitCode, byte[] stdout, byte[] stderr) {
        super(message(command, exitCode, stderr));
        this.command = List.copyOf(command);
        this.exitCode = exitCode;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    private static String message(List<String> command, int exitCode, byte[] stderr) {
        String m = "command " + command + " returned non-zero exit status " + exitCode;
        if (exitCode > 128) {
            m += " (killed by signal " + (exitCode - 128) + "?)";
        }
        if (stderr != null && stderr.length > 0) {
            String err = new String(stderr, 0, Math.min(stderr.length, STDERR_IN_MESSAGE), StandardCharsets.UTF_8).strip();
            m += ": " + err + (stderr.length > STDERR_IN_MESSAGE ? "..." : "");
        }
        return m;
    }

    /**
     * The command that failed.
     *
     * @return the command and its arguments
     */
    public List<String> command() {
        return command;
    }

    /**
     * Its exit status.
     *
     * @return the exit status
     */
    public int exitCode() {
        return exitCode;
    }

    /**
     * What it wrote to its standard output, or null if that was not captured.
     *
     * @return the child's standard output
     */
    public byte[] stdout() {
        return stdout;
    }

    /**
     * What it wrote to its standard error, or null if that was not captured.
     *
     * @return the child's standard error
     */
    public byte[] stderr() {
        return stderr;
    }
}
