package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.BlockingMonitor;
import io.gevent4j.hub.Hub;

import io.gevent4j.loop.internal.Opens;

import java.io.File;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * The launcher (gevent's {@code python -m gevent.monkey script.py}): patches everything, then runs an
 * unmodified program's {@code main} inside a greenlet on the main thread's hub, so its
 * {@code Thread.sleep}, {@code java.net} sockets and {@code java.util.concurrent} waits cooperate.
 *
 * <pre>
 * java -jar gevent4j-monkey-launcher.jar [OPTIONS] -cp app.jar:lib/dep.jar com.example.App args...
 * java -jar gevent4j-monkey-launcher.jar [OPTIONS] app.jar args...     (runs app.jar's Main-Class)
 * java --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED \
 *      --enable-native-access=ALL-UNNAMED -cp app.jar:gevent4j-monkey.jar:... \
 *      io.gevent4j.monkey.Main [OPTIONS] com.example.App args...
 * </pre>
 * The launcher jar carries gevent4j, Netty and SLF4J's API, and the JVM flags in its manifest
 * ({@code Add-Opens}, {@code Enable-Native-Access}, honoured by {@code java -jar}); {@code -jar}
 * ignores {@code java -cp}, so the launcher's own {@code -cp} puts the program's jars on the system
 * class path (through its {@link LauncherAgent}), where the program and its libraries (an SLF4J
 * binding among them) live together with gevent4j as on a plain {@code java -cp}. OPTIONS are
 * {@code --max-blocking-time=MILLIS}, {@code --verbose} and {@code -cp}/{@code --class-path} (jar
 * files, separated by the platform's path separator).
 *
 * <ul>
 *   <li>The program ends when its main greenlet ends (greenlets it left running are abandoned, like
 *       gevent's); non-daemon platform threads it started keep the JVM alive, as with {@code java}.</li>
 *   <li>An exception escaping {@code main} is printed with its stack to stderr and the exit status is
 *       1, as with {@code java}.</li>
 *   <li>{@code --max-blocking-time=MILLIS} (or {@code -Dgevent4j.monkey.maxBlockingTime=MILLIS}) starts
 *       a {@link BlockingMonitor} on the hub: a greenlet that holds the hub's thread longer than that
 *       (file I/O, a native call, a pinned virtual thread, a busy loop) is reported with its stack
 *       through SLF4J at WARN, or on stderr when the program has no SLF4J binding.</li>
 *   <li>{@code --verbose} prints what was patched to stderr.</li>
 * </ul>
 * {@code main} may be {@code public static void main(String[])}, {@code static void main()} or an
 * instance {@code main} of a class with a no-argument constructor (JEP 512).
 */
public final class Main {
    /** System property: the blocking monitor's limit in milliseconds (absent or 0: no monitor). */
    public static final String MAX_BLOCKING_TIME_PROPERTY = "gevent4j.monkey.maxBlockingTime";

    private Main() {
    }

    /**
     * Runs the launcher; see the class comment. Exit status 2 for a usage error, 1 when the program's
     * main throws.
     *
     * @param args the command line
     * @throws Exception whatever the code run throws
     */
    public static void main(String[] args) throws Exception {
        long maxBlockingMillis = Long.getLong(MAX_BLOCKING_TIME_PROPERTY, 0L);
        boolean verbose = false;
        List<String> classPath = new ArrayList<>();
        int i = 0;
        while (i < args.length && args[i].startsWith("-")) {
            String a = args[i++];
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path")) {
                if (i >= args.length) {
                    usage(a + " needs a class path");
                    return;
                }
                classPath.addAll(Arrays.asList(args[i++].split(File.pathSeparator)));
            } else if (a.startsWith("--max-blocking-time=")) {
                try {
                    maxBlockingMillis = Long.parseLong(a.substring("--max-blocking-time=".length()));
                } catch (NumberFormatException e) {
                    usage("not a number of milliseconds: " + a);
                    return;
                }
            } else if (a.equals("--verbose")) {
                verbose = true;
            } else if (a.equals("--")) {
                break;
            } else {
                usage("unknown option " + a);
                return;
            }
        }
        if (i >= args.length) {
            usage("no main class given");
            return;
        }
        String className = args[i];
        String[] appArgs = Arrays.copyOfRange(args, i + 1, args.length);
        if (className.endsWith(".jar")) { // java -jar's counterpart: the jar's Main-Class, the jar on the class path
            classPath.add(className);
            className = mainClassOf(className);
            if (className == null) {
                return;
            }
        }
        if (!classPath.isEmpty() && !appendToClassPath(classPath)) {
            return;
        }

        List<Monkey.Patch> patches;
        try {
            patches = Monkey.patchAll();
        } catch (IllegalStateException e) {
            System.err.println("gevent4j.monkey: " + e.getMessage());
            System.err.println("gevent4j.monkey: run java with " + jvmFlags());
            System.exit(2);
            return;
        }
        if (verbose) {
            patches.forEach(p -> System.err.println("gevent4j.monkey: " + p));
        }

        Method main;
        Class<?> app;
        try {
            app = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            main = findMain(app);
        } catch (ClassNotFoundException e) {
            usage("main class not found: " + className + (classPath.isEmpty() && LauncherAgent.instrumentation() != null
                    ? " (give the program's class path: java -jar gevent4j-monkey-launcher.jar -cp app.jar "
                    + className + ")" : ""));
            return;
        } catch (NoSuchMethodException e) {
            usage("no main method in " + className);
            return;
        }

        Hub hub = Gevent.getHub();
        BlockingMonitor monitor = null;
        if (maxBlockingMillis > 0) {
            // The monitor reports through SLF4J (the program's binding, if it has one) or, with none, on
            // stderr: once per report either way.
            monitor = BlockingMonitor.start(hub, Duration.ofMillis(maxBlockingMillis));
        }
        Throwable[] failure = new Throwable[1];
        Method m = main;
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                invoke(app, m, appArgs);
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        g.setName("main");
        try {
            g.join();
        } finally {
            if (monitor != null) {
                monitor.close();
            }
        }
        System.out.flush();
        if (failure[0] != null) {
            System.err.print("Exception in thread \"main\" ");
            failure[0].printStackTrace();
            System.exit(1);
        }
    }

    /**
     * The JVM flags the launcher needs on the class path (also in the root pom's
     * {@code gevent4j.jvm.flags}); on the module path the targets are module names, see
     * {@link #jvmFlags()}.
     */
    public static final String JVM_FLAGS = "--add-opens java.base/java.lang=ALL-UNNAMED "
            + "--add-opens java.base/java.net=ALL-UNNAMED --enable-native-access=ALL-UNNAMED";

    /**
     * The JVM flags the launcher needs, spelled for the way gevent4j was loaded: {@link #JVM_FLAGS}
     * on the class path, module names on the module path.
     *
     * @return the flags, separated by spaces
     */
    public static String jvmFlags() {
        if (!Main.class.getModule().isNamed()) {
            return JVM_FLAGS;
        }
        return Opens.flag("java.lang", Hub.class, io.gevent4j.loop.Loop.class) + " " + PlatformSockets.FLAG
                + " --enable-native-access=" + NATIVE_ACCESS;
    }

    /** On the module path: the module that loads Netty's JNI libraries. */
    private static final String NATIVE_ACCESS = "io.netty.common";

    private static Method findMain(Class<?> app) throws NoSuchMethodException {
        for (Class<?> c = app; c != null; c = c.getSuperclass()) {
            try {
                Method m = c.getDeclaredMethod("main", String[].class);
                if (!Modifier.isPrivate(m.getModifiers())) {
                    return m;
                }
            } catch (NoSuchMethodException ignored) {
                // try main() next
            }
        }
        for (Class<?> c = app; c != null; c = c.getSuperclass()) {
            try {
                Method m = c.getDeclaredMethod("main");
                if (!Modifier.isPrivate(m.getModifiers())) {
                    return m;
                }
            } catch (NoSuchMethodException ignored) {
                // superclass
            }
        }
        throw new NoSuchMethodException(app.getName() + ".main");
    }

    private static void invoke(Class<?> app, Method m, String[] args) throws Throwable {
        m.setAccessible(true);
        Object target = null;
        if (!Modifier.isStatic(m.getModifiers())) {
            var ctor = app.getDeclaredConstructor();
            ctor.setAccessible(true);
            target = ctor.newInstance();
        }
        try {
            if (m.getParameterCount() == 1) {
                m.invoke(target, (Object) args);
            } else {
                m.invoke(target);
            }
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The Main-Class of an application jar, or null after a usage error. */
    private static String mainClassOf(String jar) {
        try (JarFile j = new JarFile(jar)) {
            var m = j.getManifest();
            String main = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
            if (main == null) {
                usage("no Main-Class in the manifest of " + jar);
            }
            return main;
        } catch (IOException e) {
            usage("cannot read " + jar + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * Puts the program's jars on the system class path, as {@code java -cp} would have (with
     * {@code -jar} the JVM ignores {@code -cp}); false after a usage error.
     */
    private static boolean appendToClassPath(List<String> entries) {
        Instrumentation inst = LauncherAgent.instrumentation();
        if (inst == null) {
            usage("-cp and an application jar work with java -jar gevent4j-monkey-launcher.jar; otherwise put the"
                    + " program on java's own -cp");
            return false;
        }
        StringBuilder cp = new StringBuilder(System.getProperty("java.class.path", ""));
        for (String e : entries) {
            if (e.isEmpty()) {
                continue;
            }
            File f = new File(e);
            if (f.isDirectory()) {
                usage("with java -jar the program's class path holds jar files only (" + e + " is a directory);"
                        + " for class directories run java " + JVM_FLAGS + " -cp " + e + File.pathSeparator
                        + "gevent4j-monkey-launcher.jar io.gevent4j.monkey.Main ...");
                return false;
            }
            try {
                inst.appendToSystemClassLoaderSearch(new JarFile(f));
            } catch (IOException ex) {
                usage("cannot open " + e + ": " + ex.getMessage());
                return false;
            }
            cp.append(File.pathSeparator).append(e);
        }
        System.setProperty("java.class.path", cp.toString());
        return true;
    }

    private static void usage(String problem) {
        System.err.println("gevent4j.monkey: " + problem);
        System.err.println("usage: java -jar gevent4j-monkey-launcher.jar [--max-blocking-time=MILLIS] [--verbose]"
                + " [-cp JARS] MAIN_CLASS|APP.jar [ARGS...]");
        System.err.println("   or: java " + jvmFlags() + " -cp ... io.gevent4j.monkey.Main"
                + " [--max-blocking-time=MILLIS] [--verbose] MAIN_CLASS [ARGS...]");
        System.exit(2);
    }
}
