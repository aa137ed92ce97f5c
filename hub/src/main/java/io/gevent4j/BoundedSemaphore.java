package io.gevent4j;

/**
 * A {@link Semaphore} that refuses to be released more times than it was acquired (gevent's
 * {@code BoundedSemaphore}): a release that would raise the counter above its initial value throws
 * {@link IllegalStateException} and changes nothing. Such a release is a bug in the caller.
 */
public class BoundedSemaphore extends Semaphore {
    private final int initial;

    /** A bounded semaphore with one permit. */
    public BoundedSemaphore() {
        this(1);
    }

    /**
     * A bounded semaphore with {@code value} permits, which is also its bound.
     *
     * @param value the value
     */
    public BoundedSemaphore(int value) {
        super(value);
        this.initial = value;
    }

    /** {@return the bound: the initial number of permits} */
    public int bound() {
        return initial;
    }

    @Override
    void checkRelease(int current) {
        if (current >= initial) {
            throw new IllegalStateException("Semaphore released too many times (bound " + initial + ")");
        }
    }
}
