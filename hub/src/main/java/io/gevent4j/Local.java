package io.gevent4j;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value per greenlet (gevent's {@code local}): each greenlet sees only what it set itself, a new
 * greenlet starts with the initial value (nothing is inherited from the greenlet that spawned it), and
 * a greenlet's value is released when the greenlet dies.
 *
 * <h2>Is a plain {@link ThreadLocal} enough? Yes.</h2>
 * Every greenlet is its own virtual thread, so a {@code ThreadLocal} already holds one value per
 * greenlet, and the JDK clears a virtual thread's thread-locals when it terminates, so the values of
 * a dead greenlet are garbage even while its {@link Greenlet} object is still referenced. Greenlets do
 * inherit {@link InheritableThreadLocal} values from the thread that started them (the JDK's rule for
 * virtual threads); use a plain {@code ThreadLocal} or this class for gevent's "inherited by nothing".
 * The hub's owner thread (its main greenlet) and the loop callbacks run on it share one value.
 *
 * <p>This class is a {@code ThreadLocal} with gevent's vocabulary and that guarantee spelled out
 * (both are tested). It may be used from any thread.
 *
 * @param <T> the value type
 */
public final class Local<T> {
    private final ThreadLocal<T> values;

    /** A local whose initial value, in every greenlet, is null. */
    public Local() {
        this.values = new ThreadLocal<>();
    }

    private Local(Supplier<? extends T> initial) {
        this.values = ThreadLocal.withInitial(initial);
    }

    /**
     * {@return a local whose initial value in each greenlet comes from {@code initial}, called the first time
     * that greenlet reads it (gevent's {@code local} subclass with an {@code __init__})}
     *
     * @param <T> the type of the result
     * @param initial gives each greenlet's initial value
     */
    public static <T> Local<T> withInitial(Supplier<? extends T> initial) {
        return new Local<>(Objects.requireNonNull(initial, "initial"));
    }

    /** {@return the calling greenlet's value} */
    public T get() {
        return values.get();
    }

    /**
     * Sets the calling greenlet's value.
     *
     * @param value the value
     */
    public void set(T value) {
        values.set(value);
    }

    /** Forgets the calling greenlet's value (the next {@link #get()} sees the initial value again). */
    public void remove() {
        values.remove();
    }

    @Override
    public String toString() {
        return "Local[" + values.get() + "]";
    }
}
