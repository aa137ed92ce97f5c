package io.gevent4j.hub;

/**
 * Whether greenlets remember where they were created ({@link RawGreenlet#spawnStack()}): off by default
 * (a stack walk per greenlet), on with {@code -Dgevent4j.spawnStacks=true} or
 * {@link Hub#captureSpawnStacks(boolean)}.
 */
final class SpawnStacks {
    static final String PROPERTY = "gevent4j.spawnStacks";
    private static volatile boolean enabled = Boolean.getBoolean(PROPERTY);
    private static final StackWalker WALKER = StackWalker.getInstance();

    private SpawnStacks() {
    }

    static boolean enabled() {
        return enabled;
    }

    static void enable(boolean on) {
        enabled = on;
    }

    /** The caller's stack without gevent4j's own frames on top. */
    static StackTraceElement[] capture() {
        return WALKER.walk(frames -> frames
                .dropWhile(f -> f.getClassName().startsWith("io.gevent4j.hub.")
                        || f.getClassName().equals("io.gevent4j.Greenlet") || f.getClassName().equals("io.gevent4j.Gevent")
                        || f.getClassName().equals("io.gevent4j.Group") || f.getClassName().equals("io.gevent4j.Pool"))
                .limit(32)
                .map(StackWalker.StackFrame::toStackTraceElement)
                .toArray(StackTraceElement[]::new));
    }
}
