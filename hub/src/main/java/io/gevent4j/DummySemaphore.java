package io.gevent4j;

import java.time.Duration;

/**
 * A {@link Semaphore} that never blocks and never runs out (gevent's {@code DummySemaphore}): for code
 * that takes a semaphore when no limit is wanted. {@link #acquire} always succeeds at once,
 * {@link #release()} does nothing, {@link #counter()} is {@link Integer#MAX_VALUE}.
 */
public class DummySemaphore extends Semaphore {

    /** A semaphore without a limit. */
    public DummySemaphore() {
        super(0);
    }

    @Override
    public int counter() {
        return Integer.MAX_VALUE;
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public boolean locked() {
        return false;
    }

    @Override
    public void acquire() {
    }

    @Override
    public boolean acquire(Duration timeout) {
        return true;
    }

    @Override
    boolean acquire(long nanos) {
        return true;
    }

    @Override
    public boolean tryAcquire() {
        return true;
    }

    @Override
    public void release() {
    }

    @Override
    public int await() {
        return Integer.MAX_VALUE;
    }

    @Override
    public int await(Duration timeout) {
        return Integer.MAX_VALUE;
    }

    @Override
    public String toString() {
        return "DummySemaphore";
    }
}
