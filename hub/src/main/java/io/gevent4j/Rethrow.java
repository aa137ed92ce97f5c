package io.gevent4j;

import java.util.concurrent.CompletionException;

/**
 * The one rule by which a result's exception reaches the caller that asks for the result
 * ({@link Greenlet#get()}, {@link AsyncResult#get()}, {@link Gevent#joinallOrThrow}, {@link Group#apply}):
 * an unchecked exception or error as itself; a checked one wrapped in a {@link CompletionException}
 * (its cause), unless the caller named the checked type it expects ({@code get(IOException.class)}).
 */
final class Rethrow {
    private Rethrow() {
    }

    /** Throws {@code t} by the rule; never returns. */
    static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new CompletionException(t);
    }

    /** Throws {@code t} as itself if it is an {@code X}, else by the rule; never returns. */
    static <X extends Exception> RuntimeException as(Throwable t, Class<X> type) throws X {
        if (type.isInstance(t)) {
            throw type.cast(t);
        }
        throw unchecked(t);
    }
}
