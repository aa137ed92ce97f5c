package io.gevent4j.examples;

import io.gevent4j.hub.RawGreenlet;

import java.io.PrintStream;

/**
 * greenlet's classic example: two greenlets switching to each other explicitly.
 * {@code test1} prints 12 and switches to {@code gr2}; {@code test2} prints 56 and switches back to
 * {@code gr1}; {@code test1} prints 34 and ends, so control returns to its parent (main). Nothing
 * ever switches back into {@code gr2}, so 78 is never printed.
 */
public final class RawSwitch {
    private RawSwitch() {
    }

    /** Runs the program, printing to {@code out}. */
    public static void run(PrintStream out) {
        RawGreenlet[] gr = new RawGreenlet[2];
        gr[0] = new RawGreenlet(args -> {   // test1
            out.println(12);
            gr[1].switchTo();
            out.println(34);
            return null;
        });
        gr[1] = new RawGreenlet(args -> {   // test2
            out.println(56);
            gr[0].switchTo();
            out.println(78);
            return null;
        });
        gr[0].switchTo();
    }

    public static void main(String[] args) {
        run(System.out);
    }
}
