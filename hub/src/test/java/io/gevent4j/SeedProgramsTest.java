package io.gevent4j;

import io.gevent4j.hub.RawGreenlet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The programs of the seed documents, with their outputs asserted. */
class SeedProgramsTest {

    @Test
    void rawSwitchPrints12_56_34AndNever78() {
        List<Integer> out = new ArrayList<>();
        RawGreenlet[] g = new RawGreenlet[2];
        g[0] = new RawGreenlet(a -> {
            out.add(12);
            g[1].switchTo();
            out.add(34);
            return null;
        });
        g[1] = new RawGreenlet(a -> {
            out.add(56);
            g[0].switchTo();
            out.add(78);
            return null;
        });
        g[0].switchTo();
        assertEquals(List.of(12, 56, 34), out);
        assertTrue(g[0].dead());
        assertTrue(!g[1].dead());
    }

    @Test
    void spawnedLoopsRunOneAfterTheOther() {
        List<String> out = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            gs.add(Gevent.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    out.add(name + i);
                }
            }));
        }
        Gevent.joinall(gs);
        assertEquals(List.of("a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1", "c2"), out);
    }

    @Test
    void withSleepZeroTheyInterleave() {
        List<String> out = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            gs.add(Gevent.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    out.add(name + i);
                    Gevent.sleep(0);
                }
            }));
        }
        Gevent.joinall(gs);
        assertEquals(List.of("a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"), out);
    }
}
