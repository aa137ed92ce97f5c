package io.gevent4j.loop.internal;

import io.gevent4j.loop.Loop;

import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Hands a {@link Loop} from one platform thread to another (for the hub, which passes its loop between
 * the hub's owner thread and its carrier thread). Not an API: the caller guarantees that the two threads
 * never use the loop at the same time, and that the hand-over happens before the other thread runs
 * (a volatile write the other thread reads).
 */
public final class LoopOwner {
    private static volatile BiConsumer<Loop, Thread> setter;

    private LoopOwner() {
    }

    /** Called once by {@link Loop}'s class initialisation. */
    public static void install(BiConsumer<Loop, Thread> s) {
        if (setter != null) {
            throw new IllegalStateException("already installed");
        }
        setter = Objects.requireNonNull(s);
    }

    /** Makes {@code thread} the owner of {@code loop} (the loop's class is initialised: we hold an instance). */
    public static void set(Loop loop, Thread thread) {
        setter.accept(loop, thread);
    }
}
