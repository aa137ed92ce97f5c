package io.gevent4j.monkey;

import java.lang.instrument.Instrumentation;

/**
 * The {@code -javaagent} entry: applies {@link Monkey#patchAll()} before the program's {@code main}
 * runs, for programs started some other way than through {@link Main}.
 *
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED \
 *      --enable-native-access=ALL-UNNAMED -javaagent:gevent4j-monkey.jar -cp ... com.example.App
 * </pre>
 *
 * <p>What it can do: every {@code java.net.Socket}/{@code ServerSocket} the program later creates
 * inside a greenlet is cooperative, whoever creates it. What it cannot do: run {@code main} in a
 * greenlet (the JVM calls {@code main} on its platform main thread, so only code the program itself
 * runs in greenlets cooperates; use {@link Main} for that), rewrite bytecode (no instrumentation is
 * done), start a blocking monitor (no hub exists yet; use {@link Main} or
 * {@link io.gevent4j.hub.BlockingMonitor} directly), or add the JVM flags it needs. If the patch
 * cannot be applied it prints why on stderr and the program runs unpatched.
 */
public final class Premain {
    private Premain() {
    }

    /**
     * Called by the JVM before {@code main}.
     *
     * @param agentArgs the agent's options: {@code verbose} prints each patch on stderr
     * @param inst the JVM's instrumentation (unused)
     */
    public static void premain(String agentArgs, Instrumentation inst) {
        premain(agentArgs);
    }

    /**
     * Called by the JVM before {@code main} when the two-argument form is absent.
     *
     * @param agentArgs the agent's options: {@code verbose} prints each patch on stderr
     */
    public static void premain(String agentArgs) {
        try {
            var patches = Monkey.patchAll();
            if (agentArgs != null && agentArgs.contains("verbose")) {
                patches.forEach(p -> System.err.println("gevent4j.monkey agent: " + p));
            }
        } catch (IllegalStateException e) {
            System.err.println("gevent4j.monkey agent: not patched: " + e.getMessage());
        }
    }
}
