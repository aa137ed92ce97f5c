package io.gevent4j.loop;

/**
 * Fires once {@code after} nanoseconds after it was started (measured on the clock, not the cached
 * {@link Loop#now()}, so it never fires early), then every
 * {@code repeat} nanoseconds if {@code repeat > 0} (libev's {@code ev_timer}). Timers due at the same
 * instant fire in the order they were started. A one-shot timer is inactive by the time its callback
 * runs.
 */
public final class TimerWatcher extends Watcher {
    /** Longer delays (about 73 years) are treated as this long, so that deadlines cannot overflow. */
    static final long MAX_DELAY = Long.MAX_VALUE >> 2;
    private long after;
    private long repeat;
    long deadline;
    long seq;
    int heapIndex = -1;

    TimerWatcher(Loop loop, long afterNanos, long repeatNanos) {
        super(loop);
        set(afterNanos, repeatNanos);
    }

    /**
     * Changes the delays; takes effect at the next {@link #start(Runnable)} or {@link #again()}.
     *
     * @param afterNanos the delay before the first expiry, in nanoseconds
     * @param repeatNanos the interval after that (0: once), in nanoseconds
     * @throws IllegalArgumentException if a delay is negative
     */
    public void set(long afterNanos, long repeatNanos) {
        if (afterNanos < 0 || repeatNanos < 0) {
            throw new IllegalArgumentException("negative timer delay: after=" + afterNanos + "ns repeat="
                    + repeatNanos + "ns");
        }
        this.after = afterNanos;
        this.repeat = repeatNanos;
    }

    /** {@return the delay before the first expiry, in nanoseconds} */
    public long after() {
        return after;
    }

    /** {@return the interval between expiries, in nanoseconds; 0 for a one-shot timer} */
    public long repeat() {
        return repeat;
    }

    /** {@return the nanoseconds until the next expiry (relative to {@link Loop#now()}); 0 if inactive or overdue} */
    public long remaining() {
        return isActive() ? Math.max(0, deadline - loop.now()) : 0;
    }

    /**
     * libev's {@code ev_timer_again}: an active repeating timer restarts its {@code repeat} interval
     * from now, dropping an expiry that is pending but has not run yet; an active one-shot timer
     * stops; an inactive repeating timer starts with {@code repeat} as its first delay, keeping its
     * callback.
     */
    public void again() {
        loop.checkThread();
        if (isActive()) {
            if (repeat > 0) {
                clearPending(); // as libev: the expiry being reset must not run (the timeout idiom)
                loop.timers.remove(this);
                deadline = loop.nanoTime() + Math.min(repeat, MAX_DELAY);
                loop.timers.add(this);
            } else {
                stop();
            }
        } else if (repeat > 0 && callback() != null) {
            firstDelay = repeat;
            start(callback());
        }
    }

    /** Delay used by the next activation; {@link #again()} sets it to {@code repeat}. */
    private long firstDelay = -1;

    @Override
    void onStart() {
        long delay = firstDelay >= 0 ? firstDelay : after;
        firstDelay = -1;
        deadline = loop.nanoTime() + Math.min(delay, MAX_DELAY); // the clock, not the cached now(): a timer never fires early
        loop.timers.add(this);
    }

    @Override
    void onStop() {
        loop.timers.remove(this);
    }

    /** The loop found this timer due. */
    void expire(long now) {
        if (repeat > 0) {
            long next = deadline + Math.min(repeat, MAX_DELAY);
            deadline = next - now > 0 ? next : now + Math.min(repeat, MAX_DELAY); // never schedule in the past (libev does the same)
            loop.timers.add(this);
        } else {
            deactivate();
        }
        fire();
    }
}
