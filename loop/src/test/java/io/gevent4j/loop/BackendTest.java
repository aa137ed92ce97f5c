package io.gevent4j.loop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ResourceLock(Resources.SYSTEM_PROPERTIES)
class BackendTest {
    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(Backend.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(Backend.PROPERTY);
        } else {
            System.setProperty(Backend.PROPERTY, saved);
        }
    }

    private static Backend best() {
        if (Backend.EPOLL.isAvailable()) {
            return Backend.EPOLL;
        }
        if (Backend.KQUEUE.isAvailable()) {
            return Backend.KQUEUE;
        }
        return Backend.NIO;
    }

    @Test
    void withoutThePropertyAutoPicksTheBestAvailableBackend() {
        System.clearProperty(Backend.PROPERTY);
        assertEquals(best(), Backend.auto());
        System.setProperty(Backend.PROPERTY, "  ");
        assertEquals(best(), Backend.auto(), "a blank value means no choice");
        String os = System.getProperty("os.name").toLowerCase();
        if (os.contains("linux")) {
            assertEquals(Backend.EPOLL, Backend.auto());
        }
    }

    @Test
    void thePropertyForcesTheBackend() {
        System.setProperty(Backend.PROPERTY, "nio");
        assertEquals(Backend.NIO, Backend.auto());
        try (Loop loop = new Loop()) {
            assertEquals(Backend.NIO, loop.backend(), "new Loop() honours the property");
        }
        System.setProperty(Backend.PROPERTY, " NIO ");
        assertEquals(Backend.NIO, Backend.auto(), "case and surrounding blanks do not matter");
        for (Backend b : Backend.values()) {
            System.setProperty(Backend.PROPERTY, b.name().toLowerCase());
            if (b.isAvailable()) {
                assertEquals(b, Backend.auto());
            } else if (b == Backend.IO_URING && Backend.EPOLL.isAvailable()) {
                assertEquals(Backend.EPOLL, Backend.auto(), "io_uring asked for where it is off falls back to epoll");
            } else {
                IllegalStateException e = assertThrows(IllegalStateException.class, Backend::auto);
                assertTrue(e.getMessage().contains(b.name().toLowerCase()), e.getMessage());
            }
        }
        System.clearProperty(Backend.PROPERTY);
        assertEquals(best(), Backend.auto());
    }

    @Test
    void anUnknownBackendNameIsAClearIllegalArgumentException() {
        System.setProperty(Backend.PROPERTY, "select");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Backend::auto);
        String msg = e.getMessage();
        assertTrue(msg.contains(Backend.PROPERTY) && msg.contains("select"), msg);
        assertTrue(msg.contains("epoll") && msg.contains("kqueue") && msg.contains("nio"), msg);
        assertThrows(IllegalArgumentException.class, Loop::new);
    }

    @Test
    void anUnavailableBackendCannotMakeALoop() {
        for (Backend b : Backend.values()) {
            if (!b.isAvailable()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Loop(b));
                assertTrue(e.getMessage().contains(b.toString()), e.getMessage());
            }
        }
        assertThrows(NullPointerException.class, () -> new Loop(null));
    }

    @Test
    void fileDescriptorsOrChannels() {
        assertTrue(Backend.EPOLL.usesFileDescriptors());
        assertTrue(Backend.KQUEUE.usesFileDescriptors());
        assertFalse(Backend.NIO.usesFileDescriptors());
        assertTrue(Backend.NIO.isAvailable());
    }
}
