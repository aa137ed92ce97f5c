package io.gevent4j.hub;

import io.gevent4j.loop.Loop;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * gevent's {@code print_run_info}: every hub of the JVM, its loop's active watchers by kind, and the
 * tree of its greenlets - who spawned whom, name, state, what each waits on, and its stack. Safe from
 * any thread, including a blocked hub's own (a signal handler, a debugger, the blocking monitor): it reads
 * the hubs' state without stopping them, so it is a snapshot that may be a little inconsistent.
 */
public final class RunInfo {
    /** Stack frames shown per greenlet (gevent shows whole stacks; these are for reading). */
    private static final int FRAMES = 12;

    private RunInfo() {
    }

    /**
     * The run info of every hub, as text.
     *
     * @return the run info, as text
     */
    public static String format() {
        StringBuilder b = new StringBuilder();
        b.append("gevent4j run info at ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append('\n');
        List<Hub> hubs = Hub.all();
        if (hubs.isEmpty()) {
            b.append("(no hub)\n");
        }
        for (Hub hub : hubs) {
            format(hub, b);
        }
        return b.toString();
    }

    /** The run info of one hub, appended to {@code b}. */
    static void format(Hub hub, StringBuilder b) {
        Loop loop = hub.loop();
        HubStats st = hub.stats();
        Thread runner = loop.owner();
        b.append("* Hub of thread '").append(hub.owner().getName()).append("' [").append(loop.backend())
                .append(", loop run by '").append(runner.getName()).append("', ").append(st.alive())
                .append(" greenlet(s) alive, ").append(st.spawned()).append(" spawned, ").append(st.failed())
                .append(" failed, iteration ").append(st.loopIterations()).append("]\n");
        b.append("  active watchers: ");
        if (st.watchers().isEmpty()) {
            b.append("none");
        } else {
            st.watchers().forEach((k, v) -> b.append(k).append('=').append(v).append(' '));
        }
        b.append('\n');
        List<RawGreenlet> all = hub.greenlets();
        Set<RawGreenlet> alive = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        alive.addAll(all);
        Map<RawGreenlet, List<RawGreenlet>> children = new IdentityHashMap<>();
        List<RawGreenlet> roots = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) { // oldest first
            RawGreenlet g = all.get(i);
            RawGreenlet p = g.spawnedBy();
            while (p != null && !p.isMain() && !alive.contains(p)) {
                p = p.spawnedBy(); // its spawner died: show it under the nearest living ancestor
            }
            if (p == null || p.isMain()) {
                roots.add(g);
            } else {
                children.computeIfAbsent(p, k -> new ArrayList<>()).add(g);
            }
        }
        RawGreenlet main = hub.mainGreenlet();
        b.append("  ").append(describe(main)).append('\n');
        stack(hub.owner(), "  ", b);
        Set<RawGreenlet> shown = new HashSet<>();
        for (int i = 0; i < roots.size(); i++) {
            tree(roots.get(i), "  ", i == roots.size() - 1, children, shown, b);
        }
    }

    private static void tree(RawGreenlet g, String indent, boolean last, Map<RawGreenlet, List<RawGreenlet>> children,
                             Set<RawGreenlet> shown, StringBuilder b) {
        if (!shown.add(g)) {
            return;
        }
        b.append(indent).append(" +--- ").append(describe(g)).append('\n');
        String inner = indent + (last ? "      " : " :    ");
        StackTraceElement[] spawned = g.spawnStack();
        if (spawned.length > 0) {
            b.append(inner).append("spawned at:\n");
            for (int i = 0; i < Math.min(spawned.length, FRAMES); i++) {
                b.append(inner).append("  ").append(spawned[i]).append('\n');
            }
        }
        Thread t = g.thread;
        if (t != null) {
            stack(t, inner, b);
        }
        List<RawGreenlet> kids = children.getOrDefault(g, List.of());
        for (int i = 0; i < kids.size(); i++) {
            tree(kids.get(i), inner, i == kids.size() - 1, children, shown, b);
        }
    }

    /** One line for a greenlet: itself, who spawned it, and what it does. */
    static String describe(RawGreenlet g) {
        StringBuilder b = new StringBuilder(g.isMain() ? "<main greenlet>" : String.valueOf(g));
        RawGreenlet p = g.spawnedBy();
        if (p != null && !g.isMain()) {
            b.append(", spawned by ").append(p.isMain() ? "main" : p);
        }
        b.append(": ").append(state(g));
        return b.toString();
    }

    private static String state(RawGreenlet g) {
        if (g.isMain()) {
            Hub hub = g.hub;
            Waiter<?> w = g.blockedOn();
            if (w != null) {
                return "waiting for " + w;
            }
            return hub.loop().owner() == hub.owner() ? "running (thread '" + hub.owner().getName() + "')"
                    : "waiting (thread '" + hub.owner().getName() + "')";
        }
        if (g.dead()) {
            return "dead";
        }
        if (!g.begun()) {
            return "started, waiting for its first turn";
        }
        Waiter<?> w = g.blockedOn();
        if (w != null) {
            return "waiting for " + w;
        }
        Thread t = g.thread;
        Thread.State st = t == null ? null : t.getState();
        if (st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING || st == Thread.State.BLOCKED) {
            return "parked in the JDK (" + st + ")";
        }
        return "running or runnable";
    }

    /** The stack from its first frame outside the JDK and gevent4j (where the user's code waits or runs). */
    private static void stack(Thread t, String indent, StringBuilder b) {
        StackTraceElement[] st = t.getStackTrace();
        int first = 0;
        while (first < st.length && internal(st[first].getClassName())) {
            first++;
        }
        if (first == st.length) {
            first = 0; // nothing of the user's: show it all
        }
        int shown = 0;
        for (int i = first; i < st.length; i++) {
            String c = st[i].getClassName();
            if (c.equals("io.gevent4j.Greenlet") || c.equals(RawGreenlet.class.getName())) {
                break; // the greenlet's own entry frames: below is only the JDK starting it
            }
            if (shown == FRAMES) {
                b.append(indent).append("    ... ").append(st.length - i).append(" more\n");
                break;
            }
            b.append(indent).append("    at ").append(st[i]).append('\n');
            shown++;
        }
    }

    private static boolean internal(String cls) {
        if (cls.startsWith("java.") || cls.startsWith("jdk.") || cls.startsWith("sun.")) {
            return true;
        }
        if (!cls.startsWith("io.gevent4j.")) {
            return false;
        }
        String rest = cls.substring("io.gevent4j.".length());
        return rest.indexOf('.') < 0 || rest.startsWith("hub.") || rest.startsWith("loop.") || rest.startsWith("internal.");
    }
}
