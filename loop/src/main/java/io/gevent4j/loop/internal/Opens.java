package io.gevent4j.loop.internal;

import java.util.StringJoiner;

/**
 * The {@code --add-opens} flags gevent4j needs, spelled for the way it was loaded: on the class path
 * every gevent4j class is in the unnamed module ({@code =ALL-UNNAMED}); on the module path each
 * module that reaches into {@code java.base} must be named ({@code =io.gevent4j.hub,io.gevent4j.loop}).
 */
public final class Opens {
    private Opens() {
    }

    /**
     * The flag that opens {@code java.base/pkg} to the modules of {@code users} that it is not yet open
     * to, or null when it is open to all of them.
     *
     * @param pkg   a package of {@code java.base}, e.g. {@code "java.lang"}
     * @param users classes whose module needs {@code pkg} opened
     * @return {@code "--add-opens java.base/pkg=target,..."}, or null when nothing is missing
     */
    public static String missing(String pkg, Class<?>... users) {
        Module base = Object.class.getModule();
        StringJoiner targets = new StringJoiner(",");
        boolean unnamed = false;
        for (Class<?> c : users) {
            Module m = c.getModule();
            if (base.isOpen(pkg, m)) {
                continue;
            }
            if (!m.isNamed()) {
                if (!unnamed) {
                    targets.add("ALL-UNNAMED");
                    unnamed = true;
                }
            } else if (!targets.toString().contains(m.getName())) {
                targets.add(m.getName());
            }
        }
        return targets.length() == 0 ? null : "--add-opens java.base/" + pkg + "=" + targets;
    }

    /**
     * The flag for {@code pkg} as it must be given for {@code users} whether or not it is already there:
     * {@code ALL-UNNAMED} on the class path, the module names on the module path.
     *
     * @param pkg   a package of {@code java.base}
     * @param users classes whose module needs {@code pkg} opened
     * @return {@code "--add-opens java.base/pkg=target,..."}
     */
    public static String flag(String pkg, Class<?>... users) {
        StringJoiner targets = new StringJoiner(",");
        for (Class<?> c : users) {
            Module m = c.getModule();
            String t = m.isNamed() ? m.getName() : "ALL-UNNAMED";
            if (!targets.toString().contains(t)) {
                targets.add(t);
            }
        }
        return "--add-opens java.base/" + pkg + "=" + targets;
    }
}
