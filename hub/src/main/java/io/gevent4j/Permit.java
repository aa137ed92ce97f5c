package io.gevent4j;

/**
 * A held permit of a {@link Semaphore} or {@link RLock}, for try-with-resources:
 * <pre>{@code
 * try (Permit p = semaphore.permit()) {
 *     ... // at most N greenlets here at once
 * }
 * }</pre>
 * {@link #close()} releases it; closing again does nothing.
 */
public interface Permit extends AutoCloseable {
    /** Releases the permit (once). */
    @Override
    void close();
}
