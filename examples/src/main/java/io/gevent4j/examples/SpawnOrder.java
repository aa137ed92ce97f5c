package io.gevent4j.examples;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * gevent's spawn/joinall example: three greenlets each print their name and a counter three times.
 * Without a blocking call they run one after the other (a greenlet switches only where it blocks);
 * with {@code Gevent.sleep(0)} in the loop each one yields after every line and they interleave.
 */
public final class SpawnOrder {
    private SpawnOrder() {
    }

    /** Runs the three greenlets; {@code yieldEachStep} adds {@code sleep(0)} to their loop. */
    public static void run(PrintStream out, boolean yieldEachStep) {
        List<Greenlet<Void>> greenlets = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            String name = "greenlet-" + n;
            greenlets.add(Gevent.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    out.println(name + " " + i);
                    if (yieldEachStep) {
                        Gevent.sleep(0);
                    }
                }
            }));
        }
        Gevent.joinall(greenlets);
    }

    public static void main(String[] args) {
        System.out.println("-- without a blocking call: one after the other");
        run(System.out, false);
        System.out.println("-- with sleep(0): interleaved");
        run(System.out, true);
    }
}
