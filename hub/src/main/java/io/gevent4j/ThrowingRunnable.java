package io.gevent4j;

/**
 * A task without a result that may throw checked exceptions: the body of
 * {@link Gevent#spawn(ThrowingRunnable)} and of {@link Gevent#withTimeout(java.time.Duration, ThrowingRunnable)}.
 * A lambda's checked exceptions become {@code X}, so a caller of {@code withTimeout} catches exactly
 * what its own code throws.
 *
 * @param <X> the checked exception the task may throw ({@link RuntimeException} when it throws none)
 */
@FunctionalInterface
public interface ThrowingRunnable<X extends Exception> {
    /**
     * Runs the task.
     *
     * @throws X what the task throws
     */
    void run() throws X;
}
