package io.gevent4j.net.internal;

import io.netty.channel.DefaultFileRegion;
import io.netty.channel.unix.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.FileChannel;

/**
 * sendfile(2) through Netty's epoll JNI library. Netty has no public entry point for it:
 * {@code LinuxSocket.sendFile(int, DefaultFileRegion, long, long, long)} is a package-private static
 * native method (the one Netty's own epoll channels use for {@code FileRegion}s). Netty's classes live in
 * the unnamed module (or open automatic modules), so a private lookup reaches it without JVM flags. If
 * it is not there (kqueue, another Netty version), {@link #send} returns -1 and the caller copies the
 * bytes itself.
 */
public final class LinuxSendFile {
    private static final Logger log = LoggerFactory.getLogger(LinuxSendFile.class);
    // Linux errno values meaning "sendfile cannot do this file" (the caller falls back to copying).
    private static final int EINVAL = -22;
    private static final int ENOSYS = -38;
    private static final int EOPNOTSUPP = -95;
    private static final MethodHandle SEND_FILE = find();

    private LinuxSendFile() {
    }

    private static MethodHandle find() {
        try {
            if (!io.netty.channel.epoll.Epoll.isAvailable()) {
                return null;
            }
            Class<?> c = Class.forName("io.netty.channel.epoll.LinuxSocket");
            return MethodHandles.privateLookupIn(c, MethodHandles.lookup()).findStatic(c, "sendFile",
                    MethodType.methodType(long.class, int.class, DefaultFileRegion.class, long.class, long.class,
                            long.class));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("Netty's sendfile is not reachable: files are copied through the JVM", e);
            return null;
        }
    }

    /** True when Netty's sendfile was found (epoll on Linux). */
    public static boolean available() {
        return SEND_FILE != null;
    }

    /** See {@link Sock#sendFile}. */
    static long send(int socketFd, FileChannel file, long position, long count) throws IOException {
        if (SEND_FILE == null) {
            return -1;
        }
        long res;
        try {
            // Netty's native code reads only the region's FileChannel; the offsets are passed apart.
            res = (long) SEND_FILE.invokeExact(socketFd, new DefaultFileRegion(file, 0, Long.MAX_VALUE), 0L,
                    position, count);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (res >= 0) {
            return res;
        }
        int err = (int) res;
        if (err == EINVAL || err == ENOSYS || err == EOPNOTSUPP) {
            return -1;
        }
        return Errors.ioResult("sendfile", err);
    }
}
