package io.gevent4j;

/**
 * Started by {@link MissingJvmFlagTest} in a JVM without {@code --add-opens java.base/java.lang=ALL-UNNAMED}:
 * the first spawn must fail with an exception that names the flag.
 */
public final class NoFlagMain {
    private NoFlagMain() {
    }

    public static void main(String[] args) {
        Greenlet<String> g = Gevent.spawn(() -> "should not run");
        System.out.println("UNEXPECTED: spawned " + g + " -> " + g.get());
    }
}
