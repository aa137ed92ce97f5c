package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.GreenletExit;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SSLContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Client greenlets killed while blocked in {@code connect}, {@code read}, {@code write} and a TLS
 * handshake: each dies with {@link GreenletExit}, and afterwards the hub has no greenlet, no I/O
 * registration and the process no descriptor more than before.
 */
class ClientKillTest {
    static final int EACH = 10;

    enum Blocked { CONNECT, READ, WRITE, TLS_HANDSHAKE }

    @ParameterizedTest
    @EnumSource(Blocked.class)
    void killedClientsLeaveNothingBehind(Blocked where) throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            SocketTest.warmUp();
            SSLContext tls = SSLContext.getDefault();
            // A peer that accepts (or, for connect, cannot accept: backlog 1, never accepted) and never speaks.
            try (java.net.ServerSocket peer = new java.net.ServerSocket(0, where == Blocked.CONNECT ? 1 : 100,
                    InetAddress.getLoopbackAddress())) {
                InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.getLocalPort());
                List<java.net.Socket> accepted = new ArrayList<>();
                List<Socket> fillers = new ArrayList<>();
                if (where == Blocked.CONNECT) {
                    // fill the accept queue so that further SYNs are dropped and connect() waits
                    for (int i = 0; i < 4; i++) {
                        fillers.add(connectOrNull(at));
                    }
                }
                Gevent.sleep(20);
                int regs = hub.loop().ioSourceCount();
                int fds = OnHub.openFds();
                int live = hub.liveGreenlets();
                List<Greenlet<Void>> clients = new ArrayList<>();
                for (int i = 0; i < EACH; i++) {
                    clients.add(Gevent.spawn(() -> {
                        switch (where) {
                            case CONNECT -> Socket.connect(at).close();
                            case READ -> {
                                try (Socket s = Socket.connect(at)) {
                                    s.read(ByteBuffer.allocate(16));
                                }
                            }
                            case WRITE -> {
                                try (Socket s = Socket.connect(at)) {
                                    s.write(ByteBuffer.allocateDirect(64 << 20));
                                }
                            }
                            case TLS_HANDSHAKE -> {
                                try (SslSocket s = SslSocket.client(Socket.connect(at), tls, "localhost")) {
                                    s.handshake(null);
                                }
                            }
                        }
                        return null;
                    }));
                }
                if (where != Blocked.CONNECT) {
                    peer.setSoTimeout(5000);
                    for (int i = 0; i < EACH; i++) {
                        // accepted on a virtual thread so that the hub keeps running the clients meanwhile
                        accepted.add(Gevent.spawn(peer::accept).get());
                    }
                }
                Gevent.sleep(100);
                for (Greenlet<Void> c : clients) {
                    assertFalse(c.ready(), where + ": the client is blocked: " + c.exception());
                }
                Gevent.killall(clients);
                for (Greenlet<Void> c : clients) {
                    assertInstanceOf(GreenletExit.class, c.killedBy(), where + ": " + c.exception());
                }
                for (java.net.Socket a : accepted) {
                    a.close();
                }
                Gevent.sleep(20); // NIO and epoll close deregistered descriptors at the next loop turn
                assertEquals(live, hub.liveGreenlets(), where + ": greenlets left");
                assertEquals(regs, hub.loop().ioSourceCount(), where + ": I/O registrations left");
                assertEquals(fds, OnHub.openFds(), where + ": descriptors left: " + OnHub.fdTargets());
                for (Socket f : fillers) {
                    if (f != null) {
                        f.close();
                    }
                }
            }
        });
    }

    private static Socket connectOrNull(InetSocketAddress at) {
        Greenlet<Socket> g = Gevent.spawn(() -> Socket.connect(at));
        if (g.join(java.time.Duration.ofMillis(300))) {
            return g.successful() ? g.value() : null;
        }
        g.kill();
        return null;
    }
}
