package io.gevent4j;

/**
 * A task with a result that may throw checked exceptions: the body of
 * {@link Gevent#withTimeout(java.time.Duration, ThrowingSupplier)} and {@link Gevent#run(ThrowingSupplier)}.
 * A lambda's checked exceptions become {@code X}, so the caller catches exactly what its own code throws.
 *
 * @param <T> the result type
 * @param <X> the checked exception the task may throw ({@link RuntimeException} when it throws none)
 */
@FunctionalInterface
public interface ThrowingSupplier<T, X extends Exception> {
    /**
     * Runs the task and returns its result.
     *
     * @return the result
     * @throws X what the task throws
     */
    T get() throws X;
}
