package io.gevent4j.testkit;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A small program compiled at test time against the module under test and run in a child JVM, on the
 * class path or on the module path: the two ways users run gevent4j.
 *
 * <p>The child's libraries are this JVM's class path less test code, test libraries, logback and
 * Netty's kqueue jars, which a Linux user may leave out: so every run also proves that a program runs
 * with the epoll artifacts alone. The program is class {@code probe.Main}; on the module path it is
 * module {@code probe}, which requires the module under test.
 */
public final class ProbeProgram {
    /** How a child JVM ended: its exit status and everything it wrote (stdout and stderr). */
    public record Result(int exit, String output) {
    }

    /** The flags README documents for greenlets on the class path. */
    public static final List<String> CLASS_PATH_FLAGS = List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED");

    /** The flags README documents for greenlets on the module path (the native epoll jar is a module too). */
    public static final List<String> MODULE_PATH_FLAGS = List.of(
            "--add-opens", "java.base/java.lang=io.gevent4j.hub,io.gevent4j.loop",
            "--add-modules", "ALL-MODULE-PATH", "--enable-native-access=io.netty.common");

    private final Path classic;
    private final Path modular;

    private ProbeProgram(Path classic, Path modular) {
        this.classic = classic;
        this.modular = modular;
    }

    /**
     * Compiles {@code source} (class {@code probe.Main}) twice: as a plain class for the class path, and
     * as module {@code probe} requiring {@code module} for the module path.
     *
     * @param dir    a fresh directory for the output
     * @param module the gevent4j module the program requires
     * @param source the Java source of {@code probe.Main}
     * @return the compiled program
     * @throws IOException if the sources cannot be written
     */
    public static ProbeProgram compile(Path dir, String module, String source) throws IOException {
        Path classic = dir.resolve("cp");
        Path modular = dir.resolve("mp");
        String errors = compile(dir.resolve("src-cp"), classic, null, source);
        if (!errors.isEmpty()) {
            throw new AssertionError("the probe does not compile on the class path:\n" + errors);
        }
        errors = compile(dir.resolve("src-mp"), modular, module, source);
        if (!errors.isEmpty()) {
            throw new AssertionError("the probe does not compile as a module:\n" + errors);
        }
        return new ProbeProgram(classic, modular);
    }

    /**
     * Compiles {@code source} as module {@code probe} requiring {@code module}.
     *
     * @param dir    a fresh directory for the output
     * @param module the gevent4j module the program requires
     * @param source the Java source of {@code probe.Main}
     * @return javac's diagnostics when it fails, else the empty string
     * @throws IOException if the sources cannot be written
     */
    public static String modularCompileErrors(Path dir, String module, String source) throws IOException {
        return compile(dir.resolve("src"), dir.resolve("out"), module, source);
    }

    /**
     * Asserts that a module requiring {@code module} cannot use {@code className}: its package is not
     * exported to it.
     *
     * @param dir       a fresh directory for the output
     * @param module    the gevent4j module the program requires
     * @param className a public class of a package that {@code module} must not export
     * @throws IOException if the sources cannot be written
     */
    public static void assertNotExported(Path dir, String module, String className) throws IOException {
        String pkg = className.substring(0, className.lastIndexOf('.'));
        String errors = modularCompileErrors(dir, module, "package probe;\n\npublic class Main {\n"
                + "    public static void main(String[] args) {\n        System.out.println(" + className
                + ".class);\n    }\n}\n");
        if (!errors.contains("package " + pkg + " is not visible") && !errors.contains("does not export " + pkg)) {
            throw new AssertionError(module + " lets other modules use " + pkg + ":\n" + errors);
        }
    }

    private static String compile(Path src, Path out, String module, String source) throws IOException {
        Path main = src.resolve("probe/Main.java");
        Files.createDirectories(main.getParent());
        Files.createDirectories(out);
        Files.writeString(main, source);
        List<String> args = new ArrayList<>(List.of("-proc:none", "-d", out.toString()));
        if (module != null) {
            Path info = src.resolve("module-info.java");
            Files.writeString(info, "module probe { requires " + module + "; }\n");
            args.addAll(List.of("--module-path", path(libraries()), info.toString()));
        } else {
            args.addAll(List.of("-cp", path(libraries())));
        }
        args.add(main.toString());
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        int rc = javac.run(ps, ps, args.toArray(String[]::new));
        return rc == 0 ? "" : err.toString(StandardCharsets.UTF_8) + "(javac exit " + rc + ")";
    }

    /**
     * Runs the program on the class path: {@code java jvmArgs -cp probe:libraries probe.Main}.
     *
     * @param jvmArgs the JVM flags
     * @return how it ended
     * @throws IOException if the JVM cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public Result onClassPath(String... jvmArgs) throws IOException, InterruptedException {
        return onClassPath(Arrays.asList(jvmArgs));
    }

    /**
     * Runs the program on the class path: {@code java jvmArgs -cp probe:libraries probe.Main}.
     *
     * @param jvmArgs the JVM flags
     * @return how it ended
     * @throws IOException if the JVM cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public Result onClassPath(List<String> jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(jvmArgs);
        cmd.addAll(List.of("-cp", classic + File.pathSeparator + path(libraries()), "probe.Main"));
        return run(cmd);
    }

    /**
     * Runs the program on the module path: {@code java jvmArgs --module-path probe:libraries -m probe/probe.Main}.
     *
     * @param jvmArgs the JVM flags
     * @return how it ended
     * @throws IOException if the JVM cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public Result onModulePath(String... jvmArgs) throws IOException, InterruptedException {
        return onModulePath(Arrays.asList(jvmArgs));
    }

    /**
     * Runs the program on the module path: {@code java jvmArgs --module-path probe:libraries -m probe/probe.Main}.
     *
     * @param jvmArgs the JVM flags
     * @return how it ended
     * @throws IOException if the JVM cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public Result onModulePath(List<String> jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(jvmArgs);
        cmd.addAll(List.of("--module-path", modular + File.pathSeparator + path(libraries()),
                "-m", "probe/probe.Main"));
        return run(cmd);
    }

    private static Result run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(args);
        Path out = Files.createTempFile("probe", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().remove("JDK_JAVA_OPTIONS"); // only the flags given here
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("the probe did not end within 60 s: " + cmd + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * What the module under test brings at run time, as seen on this JVM's class path: gevent4j's main
     * classes (directories or jars), Netty without kqueue, SLF4J's API.
     *
     * @return the library entries
     */
    public static List<Path> libraries() {
        List<Path> libs = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String u = e.replace(File.separatorChar, '/');
            boolean ours = u.endsWith("/target/classes") || u.matches(".*/gevent4j-[a-z]+-[^/]*\\.jar")
                    && !u.contains("-tests");
            boolean netty = u.contains("/io/netty/") && !u.contains("kqueue");
            boolean slf4j = u.contains("/org/slf4j/slf4j-api/");
            if (ours || netty || slf4j) {
                libs.add(Path.of(e));
            }
        }
        return libs;
    }

    private static String path(List<Path> entries) {
        return entries.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }
}
