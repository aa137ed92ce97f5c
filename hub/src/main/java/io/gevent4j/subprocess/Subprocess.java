package io.gevent4j.subprocess;

import io.gevent4j.AsyncResult;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.ThreadPool;
import io.gevent4j.hub.Hub;
import io.gevent4j.internal.Offload;
import io.gevent4j.loop.Backend;
import io.gevent4j.loop.Loop;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A child process whose standard streams are read and written cooperatively (gevent's
 * {@code subprocess.Popen}): reading its output, writing its input and waiting for its exit park only the
 * calling greenlet, and the hub runs the others meanwhile.
 *
 * <pre>{@code
 * byte[] listing = Subprocess.checkOutput("ls", "-l");             // stdout, or CalledProcessException
 * try (Subprocess p = Subprocess.start("sort")) {
 *     Subprocess.Result r = p.communicate("b\na\n".getBytes(), Duration.ofSeconds(5));
 *     r.stdoutText();                                                // "a\nb\n"
 * }
 * }</pre>
 *
 * <h2>How it waits</h2>
 * On Linux with the epoll loop, each piped stream is a non-blocking pipe of our own, watched by the
 * hub's own epoll, as gevent does: the child gets the other end through {@link ProcessBuilder.Redirect}
 * of {@code /proc/self/fd/N}, which the kernel opens as a fresh, blocking description of the same pipe,
 * so the child sees ordinary blocking pipes. Elsewhere (the NIO and kqueue loops) the JDK's own streams
 * are used, each blocking call on a helper thread. The exit is the JDK's: its reaper thread (one per
 * child, which the JDK runs anyway) completes {@link Process#onExit()}, and that wakes the hub. A pidfd
 * would add nothing: the JDK already reaps the child, and its exit status comes from that reaper.
 * {@link ProcessBuilder#start()} itself (fork/exec, milliseconds) runs on a small pool too.
 *
 * <h2>Ownership and cleanup</h2>
 * The pipes belong to the hub that started the process: only its greenlets (and owner thread) may read
 * or write them; {@link #waitFor()}, {@link #kill()}, {@link #terminate()} and {@link #close()} work
 * from anywhere. {@link #close()} closes the pipes, and kills the child if it is still running (use it
 * in try-with-resources: a kill or {@link io.gevent4j.Timeout} that unwinds the block then also ends
 * the child); the JDK reaps it, so no zombie stays behind. Pipes of a process nobody closed are closed
 * when the garbage collector finds them unreachable (a safety net, like the JDK's own). Like
 * {@link ProcessBuilder}, every stream is
 * piped unless the builder redirects it; a piped stream nobody reads can fill up and stall the child
 * ({@link #communicate} reads both outputs at once).
 *
 * <h2>Kills and timeouts</h2>
 * A greenlet parked in any call here gets a kill or {@link io.gevent4j.Timeout} at once. A process whose
 * start was still under way when its caller was killed is killed as soon as it exists. A stream read or
 * write interrupted that way on the native pipes leaves the stream usable; on the thread-backed
 * fallback, where the helper thread may still consume bytes, the stream refuses further use.
 */
public final class Subprocess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Subprocess.class);
    /** fork/exec run here: a few at a time is as fast as the kernel goes. */
    private static final ThreadPool STARTER = new ThreadPool(4);
    private static final boolean PROC_FD = new File("/proc/self/fd").isDirectory();

    private final Hub hub;
    private final List<String> command;
    private final Process process;
    private final CompletableFuture<Process> exit;
    private final Pipe stdin;
    private final Pipe stdout;
    private final Pipe stderr;
    /** Readers and writer of a {@link #communicate} that timed out, resumed by the next call. Hub thread. */
    private Communication communication;
    private volatile boolean closed;

    private Subprocess(Hub hub, List<String> command, Process process, Pipe stdin, Pipe stdout, Pipe stderr) {
        this.hub = hub;
        this.command = command;
        this.process = process;
        this.exit = process.onExit();
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    // ------------------------------------------------------------------ starting

    /**
     * Starts {@code command} with every standard stream piped.
     *
     * @param command the command and its arguments
     * @return this
     * @throws IOException if an I/O error occurs
     */
    public static Subprocess start(String... command) throws IOException {
        return start(new ProcessBuilder(command));
    }

    /**
     * Starts {@code command} with every standard stream piped.
     *
     * @param command the command and its arguments
     * @return this
     * @throws IOException if an I/O error occurs
     */
    public static Subprocess start(List<String> command) throws IOException {
        return start(new ProcessBuilder(command));
    }

    /**
     * Starts the process {@code builder} describes (command, directory, environment, redirects);
     * streams it leaves as {@link ProcessBuilder.Redirect#PIPE} become this object's cooperative
     * {@link #stdin()}, {@link #stdout()}, {@link #stderr()}. The builder is not modified.
     *
     * @throws IOException as {@link ProcessBuilder#start()} does (no such program, no permission...)
     * @param builder the command, its directory, environment and redirects
     * @return this
     */
    public static Subprocess start(ProcessBuilder builder) throws IOException {
        Objects.requireNonNull(builder, "builder");
        List<String> command = List.copyOf(builder.command());
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        Hub hub = Hub.current();
        boolean nativePipes = PROC_FD && hub.loop().backend() == Backend.EPOLL;
        ProcessBuilder pb = copy(builder);
        boolean pipeIn = builder.redirectInput() == ProcessBuilder.Redirect.PIPE;
        boolean pipeOut = builder.redirectOutput() == ProcessBuilder.Redirect.PIPE;
        boolean pipeErr = builder.redirectError() == ProcessBuilder.Redirect.PIPE && !builder.redirectErrorStream();
        if (!nativePipes) {
            Process p = Offload.call(STARTER, pb::start, false, Subprocess::destroyQuietly);
            return new Subprocess(hub, command, p,
                    pipeIn ? new ThreadPipe(null, p.getOutputStream(), "stdin") : null,
                    pipeOut ? new ThreadPipe(p.getInputStream(), null, "stdout") : null,
                    pipeErr ? new ThreadPipe(p.getErrorStream(), null, "stderr") : null);
        }
        FileDescriptor[] in = null;
        FileDescriptor[] out = null;
        FileDescriptor[] err = null;
        boolean handedOver = false; // the start job (or its skip hook) closes the child's ends from then on
        boolean started = false;
        try {
            // [0] is the read end, [1] the write end; the child gets its end through /proc/self/fd.
            if (pipeIn) {
                in = FileDescriptor.pipe();
                pb.redirectInput(procFd(in[0]));
            }
            if (pipeOut) {
                out = FileDescriptor.pipe();
                pb.redirectOutput(procFd(out[1]));
            }
            if (pipeErr) {
                err = FileDescriptor.pipe();
                pb.redirectError(procFd(err[1]));
            }
            FileDescriptor[] childEnds = {in == null ? null : in[0], out == null ? null : out[1],
                    err == null ? null : err[1]};
            // The child's ends are closed by the job, after start() opened them (closing them here
            // while start() runs could let it open a reused descriptor number), or when it is skipped.
            handedOver = true;
            Process p;
            try {
                p = Offload.call(STARTER, () -> {
                    try {
                        return pb.start();
                    } finally {
                        closeAll(childEnds);
                    }
                }, false, Subprocess::destroyQuietly, () -> closeAll(childEnds));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                handedOver = false; // never queued
                throw e;
            }
            Subprocess s = new Subprocess(hub, command, p,
                    pipeIn ? new NativePipe(hub, in[1], Loop.WRITE, "stdin") : null,
                    pipeOut ? new NativePipe(hub, out[0], Loop.READ, "stdout") : null,
                    pipeErr ? new NativePipe(hub, err[0], Loop.READ, "stderr") : null);
            started = true;
            return s;
        } finally {
            if (!started) { // failed or abandoned: our own ends go now
                closeAll(in == null ? null : in[1], out == null ? null : out[0], err == null ? null : err[0]);
            }
            if (!handedOver) { // e.g. the second pipe(2) failed (EMFILE)
                closeAll(in == null ? null : in[0], out == null ? null : out[1], err == null ? null : err[1]);
            }
        }
    }

    private static ProcessBuilder copy(ProcessBuilder b) {
        ProcessBuilder pb = new ProcessBuilder(b.command());
        pb.directory(b.directory());
        pb.environment().clear();
        pb.environment().putAll(b.environment());
        pb.redirectInput(b.redirectInput());
        pb.redirectOutput(b.redirectOutput());
        pb.redirectError(b.redirectError());
        pb.redirectErrorStream(b.redirectErrorStream());
        return pb;
    }

    private static File procFd(FileDescriptor fd) {
        return new File("/proc/self/fd/" + fd.intValue());
    }

    private static void closeAll(FileDescriptor... fds) {
        for (FileDescriptor fd : fds) {
            if (fd != null) {
                try {
                    fd.close();
                } catch (IOException e) {
                    log.debug("closing pipe {} failed", fd, e);
                }
            }
        }
    }

    private static void destroyQuietly(Process p) {
        log.debug("killing {}: its start completed after the caller left", p);
        p.destroyForcibly();
    }

    // ------------------------------------------------------------------ one-call helpers

    /**
     * Runs {@code command} to completion and returns its standard output (gevent's
     * {@code check_output}); its standard input is closed at once and its standard error captured.
     *
     * @throws CalledProcessException if it exits with a non-zero status
     * @param command the command and its arguments
     * @return what the command printed on its standard output
     */
    public static byte[] checkOutput(String... command) throws IOException {
        return checkOutput(new ProcessBuilder(command), null);
    }

    /**
     * Runs the process and returns its standard output; see {@link #run}.
     *
     * @param timeout null: no limit
     * @throws CalledProcessException   if it exits with a non-zero status
     * @throws TimeoutExpiredException if it runs longer than {@code timeout} (it is killed first)
     * @param builder the command, its directory, environment and redirects
     * @return what the command printed on its standard output
     */
    public static byte[] checkOutput(ProcessBuilder builder, Duration timeout) throws IOException {
        return run(builder, null, timeout).check().stdout();
    }

    /**
     * Starts the process, writes {@code input} (null: nothing) to its standard input and closes it,
     * collects its piped outputs and waits for its exit (Python's {@code subprocess.run}). The exit status
     * is not checked: see {@link Result#check()}.
     *
     * @param timeout null: no limit
     * @throws TimeoutExpiredException if it runs longer than {@code timeout} (it is killed and reaped first)
     * @param builder the command, its directory, environment and redirects
     * @param input what to write to the child's standard input
     * @return the result
     */
    public static Result run(ProcessBuilder builder, byte[] input, Duration timeout) throws IOException {
        try (Subprocess p = start(builder)) {
            try {
                return p.communicate(input, timeout);
            } catch (TimeoutExpiredException e) {
                p.kill();
                p.waitFor();
                throw e;
            }
        }
    }

    /**
     * Runs {@code command} with the standard streams of this JVM and returns its exit status (gevent's
     * {@code call}).
     *
     * @param command the command and its arguments
     * @return the result
     * @throws IOException if an I/O error occurs
     */
    public static int call(String... command) throws IOException {
        try (Subprocess p = start(new ProcessBuilder(command).inheritIO())) {
            return p.waitFor();
        }
    }

    // ------------------------------------------------------------------ the process

    /**
     * The command line it was started with.
     *
     * @return the command and its arguments
     */
    public List<String> command() {
        return command;
    }

    /**
     * The operating system's process id.
     *
     * @return the process id
     */
    public long pid() {
        return process.pid();
    }

    /**
     * The JDK's process (its streams are empty where this object holds the pipes).
     *
     * @return the JDK's process
     */
    public Process process() {
        return process;
    }

    /**
     * True while the process runs.
     *
     * @return whether the process runs
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * The exit status if it has exited, else null (gevent's {@code poll}).
     *
     * @return the exit status, or null while it runs
     */
    public Integer poll() {
        return process.isAlive() ? null : process.exitValue();
    }

    /**
     * Waits for the process to exit and returns its status (128 + the signal number if a signal killed
     * it), parking the calling greenlet.
     *
     * @return the exit status
     */
    public int waitFor() {
        if (!exit.isDone()) {
            AsyncResult.from(exit).get();
        }
        return process.exitValue();
    }

    /**
     * Waits at most {@code timeout} for the process to exit.
     *
     * @return true if it exited (then {@link #poll()} has its status)
     * @param timeout how long to wait at most
     */
    public boolean waitFor(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return exit.isDone() || AsyncResult.from(exit).await(timeout);
    }

    /** Asks the process to end (SIGTERM on Unix). */
    public void terminate() {
        process.destroy();
    }

    /** Kills the process (SIGKILL on Unix). */
    public void kill() {
        process.destroyForcibly();
    }

    // ------------------------------------------------------------------ streams

    /**
     * The process's standard input. Writes park while the pipe is full; closing it gives the process end
     * of file. Unbuffered: wrap it in a {@link java.io.BufferedOutputStream} for many small writes.
     *
     * @throws IllegalStateException if standard input is not piped
     * @return the child's standard input
     */
    public OutputStream stdin() {
        return piped(stdin, "stdin").outputStream();
    }

    /**
     * The process's standard output; reads park until it writes (or ends: -1).
     *
     * @throws IllegalStateException if standard output is not piped
     * @return the child's standard output
     */
    public InputStream stdout() {
        return piped(stdout, "stdout").inputStream();
    }

    /**
     * The process's standard error.
     *
     * @throws IllegalStateException if standard error is not piped (or merged into standard output)
     * @return the child's standard error
     */
    public InputStream stderr() {
        return piped(stderr, "stderr").inputStream();
    }

    private static Pipe piped(Pipe p, String name) {
        if (p == null) {
            throw new IllegalStateException(name + " is not piped (the ProcessBuilder redirected it)");
        }
        return p;
    }

    /**
     * Writes {@code input} (null: nothing) to standard input and closes it, reads standard output and
     * error to their end at the same time, and waits for the exit (gevent's {@code communicate}).
     *
     * @param input what to write to the child's standard input
     * @return what the child printed on its standard output and error
     * @throws IOException if an I/O error occurs
     */
    public Result communicate(byte[] input) throws IOException {
        return communicate(input, null);
    }

    /**
     * {@link #communicate(byte[])} within {@code timeout} (null: no limit). On timeout the process keeps
     * running and what was read so far is kept: call again (with any input, which is ignored then) to
     * continue, or {@link #kill()} it.
     *
     * @throws TimeoutExpiredException if the process did not finish in time
     * @throws IllegalStateException   if {@code input} is given but standard input is not piped
     * @param input what to write to the child's standard input
     * @param timeout how long to wait at most
     * @return what the child printed on its standard output and error
     */
    public Result communicate(byte[] input, Duration timeout) throws IOException {
        if (!hub.inHubThread()) {
            throw new IllegalStateException("communicate() must run on the hub that started the process ('"
                    + hub.owner().getName() + "'), not on '" + Thread.currentThread() + "'");
        }
        if (input != null && stdin == null) {
            throw new IllegalStateException("stdin is not piped: cannot send input");
        }
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        if (communication == null) {
            communication = new Communication(input);
        }
        Communication c = communication;
        for (Greenlet<Object> g : c.all()) {
            if (timeout == null) {
                g.join();
            } else if (!g.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                throw new TimeoutExpiredException(command, timeout);
            }
        }
        byte[] out = Communication.result(c.out);
        byte[] err = Communication.result(c.err);
        if (timeout == null) {
            waitFor();
        } else if (!waitFor(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
            throw new TimeoutExpiredException(command, timeout);
        }
        communication = null;
        return new Result(command, process.exitValue(), out, err);
    }

    /**
     * The greenlets of one {@link #communicate}: a writer that feeds and closes stdin, a reader per
     * output. Each returns its bytes or the {@link IOException} that stopped it (a value, so that a pipe
     * closed by {@link #close()} is not reported as a failed greenlet).
     */
    private final class Communication {
        final Greenlet<Object> in;
        final Greenlet<Object> out;
        final Greenlet<Object> err;

        Communication(byte[] input) {
            in = stdin == null ? null : Gevent.spawn(() -> {
                try {
                    if (input != null && input.length > 0) {
                        stdin.write(input, 0, input.length);
                    }
                } catch (IOException e) {
                    // Python ignores a broken pipe here too: the process exited without reading it all
                    log.debug("{}: the process did not take all its input: {}", command, e.toString());
                } finally {
                    stdin.close();
                }
                return null;
            });
            out = stdout == null ? null : Gevent.spawn(() -> readAll(stdout));
            err = stderr == null ? null : Gevent.spawn(() -> readAll(stderr));
        }

        List<Greenlet<Object>> all() {
            List<Greenlet<Object>> l = new ArrayList<>(3);
            for (Greenlet<Object> g : Arrays.asList(in, out, err)) {
                if (g != null) {
                    l.add(g);
                }
            }
            return l;
        }

        static byte[] result(Greenlet<Object> g) throws IOException {
            if (g == null) {
                return null;
            }
            Object v = g.get();
            if (v instanceof IOException e) {
                throw e;
            }
            return (byte[]) v;
        }
    }

    private static Object readAll(Pipe p) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[64 * 1024];
        try {
            int n;
            while ((n = p.read(b, 0, b.length)) >= 0) {
                buf.write(b, 0, n);
            }
        } catch (IOException e) {
            return e;
        }
        return buf.toByteArray();
    }

    // ------------------------------------------------------------------ closing

    /**
     * Closes the pipes and, if the process still runs, kills it (SIGKILL); the JDK reaps it. Greenlets
     * blocked on the pipes (also the readers of an unfinished {@link #communicate}) get an
     * {@link IOException}. Idempotent; from another thread than the hub's the
     * work is queued on the hub.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (!hub.inHubThread()) {
            try {
                hub.loop().execute(this::close);
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the hub is gone: nothing is parked on the pipes any more
            }
        }
        closed = true;
        communication = null; // its greenlets end as the pipes close under them
        for (Pipe p : new Pipe[] {stdin, stdout, stderr}) {
            if (p != null) {
                p.close();
            }
        }
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        Integer code = poll();
        return "Subprocess[pid " + process.pid() + " " + command + (code == null ? ", running]" : ", exit " + code + "]");
    }

    /**
     * What a finished process left (Python's {@code CompletedProcess}): its command, exit status and the
     * captured outputs (null for a stream that was not piped).
     *
     * @param command the command and its arguments
     * @param exitCode the exit code
     * @param stderr what the process printed on standard error
     * @param stdout what the process printed on standard output
     */
    public record Result(List<String> command, int exitCode, byte[] stdout, byte[] stderr) {
        /**
         * Standard output as UTF-8 text (empty if not captured).
         *
         * @return the standard output, as text
         */
        public String stdoutText() {
            return stdout == null ? "" : new String(stdout, StandardCharsets.UTF_8);
        }

        /**
         * Standard error as UTF-8 text (empty if not captured).
         *
         * @return the standard error, as text
         */
        public String stderrText() {
            return stderr == null ? "" : new String(stderr, StandardCharsets.UTF_8);
        }

        /**
         * Returns this result if the exit status is 0 (Python's {@code check_returncode}).
         *
         * @throws CalledProcessException otherwise
         * @return this process, once it exited with 0
         */
        public Result check() throws CalledProcessException {
            if (exitCode != 0) {
                throw new CalledProcessException(command, exitCode, stdout, stderr);
            }
            return this;
        }

        @Override
        public String toString() {
            return "Result[" + command + ", exit " + exitCode + ", " + (stdout == null ? "-" : stdout.length + " bytes")
                    + " out, " + (stderr == null ? "-" : stderr.length + " bytes") + " err]";
        }
    }
}
