package io.gevent4j.monkey;

import java.lang.instrument.Instrumentation;

/**
 * The launcher jar's {@code Launcher-Agent-Class}: with {@code java -jar gevent4j-monkey-launcher.jar}
 * the JVM calls {@link #agentmain} before {@link Main#main}, handing over the {@link Instrumentation}
 * that lets {@link Main} put the program's jars on the system class path ({@code -jar} ignores
 * {@code -cp}). It changes nothing else: the patches are {@link Main}'s.
 */
public final class LauncherAgent {
    private static volatile Instrumentation instrumentation;

    private LauncherAgent() {
    }

    /**
     * Called by the JVM before the launcher's {@code main} (executable-jar agents only).
     *
     * @param args the agent's arguments (unused: none are given to a {@code Launcher-Agent-Class})
     * @param inst the JVM's instrumentation, kept for {@link Main}
     */
    public static void agentmain(String args, Instrumentation inst) {
        instrumentation = inst;
    }

    /** The instrumentation the JVM gave, or null when the launcher was not started with {@code java -jar}. */
    static Instrumentation instrumentation() {
        return instrumentation;
    }
}
