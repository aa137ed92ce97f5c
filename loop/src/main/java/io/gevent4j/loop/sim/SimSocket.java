package io.gevent4j.loop.sim;

import io.gevent4j.loop.Loop;

import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.ArrayDeque;

/**
 * One simulated TCP socket, as the kernel sees it: a connection's endpoint, a listener, or neither yet.
 * It outlives its descriptor while segments to it are in flight. {@link SimKernel} state, guarded by
 * the kernel's single thread.
 */
final class SimSocket {
    enum State { FRESH, LISTENING, CONNECTING, CONNECTED, DEAD }

    static final int NO_ERROR = 0;
    static final int RESET = 1;
    static final int REFUSED = 2;
    static final int TIMED_OUT = 3;

    /** Creation order: names the socket in traces. */
    final int id;
    /** The descriptor, or -1 while queued for accept and after close. */
    int fd = -1;
    State state = State.FRESH;
    InetSocketAddress local;
    InetSocketAddress remote;
    /** Holds an entry of the kernel's bound-address table. */
    boolean bound;
    /** The application closed its descriptor. */
    boolean closed;

    // options
    boolean noDelay;
    boolean reuseAddress;
    boolean reusePort;
    boolean keepAlive;
    int linger = -1;
    int receiveBuffer = 65536;
    int sendBuffer = 65536;
    int trafficClass;

    // listener
    int backlog;
    final ArrayDeque<SimSocket> acceptQueue = new ArrayDeque<>();

    // connection
    SimSocket peer;
    /** Arrived and not read yet. */
    final ByteQueue recv = new ByteQueue();
    boolean finReceived;
    boolean inputShut;
    boolean outputShut;
    /** An error not reported yet: {@link #RESET}, {@link #REFUSED}, {@link #TIMED_OUT}. */
    int error;
    /** The connection was reset (a reset arrived, or this side sent one): it carries nothing more. */
    boolean resetSeen;
    boolean rstSent;
    /** Bytes this endpoint may still send before the peer's reads free room (the peer's window). */
    long credit;
    /** One-way delay of what this endpoint sends. */
    long latency;
    /** Arrival time of the last segment this endpoint sent: segments of one direction stay in order. */
    long lastArrival;
    int synAttempts;
    /** The last data segment this endpoint sent, while in flight: writes at the same instant join it. */
    SimKernel.Segment tail;
    /** Room the peer freed by reading at {@link #ackSentAt}, not delivered yet: reads at the same instant add to it. */
    long[] pendingAck;
    long ackSentAt;

    SimSocket(int id) {
        this.id = id;
    }

    /** setsockopt(2) for the TCP options gevent4j's sockets use. */
    <T> void setOption(SocketOption<T> name, T value) {
        if (name == StandardSocketOptions.TCP_NODELAY) {
            noDelay = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            reuseAddress = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            reusePort = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            keepAlive = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_LINGER) {
            linger = (Integer) value;
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            receiveBuffer = (Integer) value;
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            sendBuffer = (Integer) value;
        } else if (name == StandardSocketOptions.IP_TOS) {
            trafficClass = (Integer) value;
        } else {
            throw new UnsupportedOperationException("socket option " + name + " (not simulated)");
        }
    }

    /** getsockopt(2); see {@link #setOption}. */
    @SuppressWarnings("unchecked")
    <T> T getOption(SocketOption<T> name) {
        Object v;
        if (name == StandardSocketOptions.TCP_NODELAY) {
            v = noDelay;
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            v = reuseAddress;
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            v = reusePort;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            v = keepAlive;
        } else if (name == StandardSocketOptions.SO_LINGER) {
            v = linger;
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            v = receiveBuffer;
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            v = sendBuffer;
        } else if (name == StandardSocketOptions.IP_TOS) {
            v = trafficClass;
        } else {
            throw new UnsupportedOperationException("socket option " + name + " (not simulated)");
        }
        return (T) v;
    }

    /** Readiness now, as epoll would report it: {@link Loop#READ}, {@link Loop#WRITE}, both (error, hang-up) or none. */
    int readiness() {
        switch (state) {
            case LISTENING:
                return acceptQueue.isEmpty() ? 0 : Loop.READ;
            case CONNECTING:
                return error != NO_ERROR ? Loop.READ | Loop.WRITE : 0;
            case CONNECTED: {
                if (resetSeen) {
                    return Loop.READ | Loop.WRITE;
                }
                int r = 0;
                if (!recv.isEmpty() || finReceived || inputShut) {
                    r |= Loop.READ;
                }
                if (credit > 0 || outputShut) {
                    r |= Loop.WRITE;
                }
                return r;
            }
            default: // FRESH, DEAD: a closed TCP state, EPOLLHUP
                return Loop.READ | Loop.WRITE;
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("sock#").append(id);
        if (fd >= 0) {
            b.append(" fd ").append(fd);
        }
        b.append(' ').append(state);
        if (local != null) {
            b.append(' ').append(local);
        }
        if (remote != null) {
            b.append(" -> ").append(remote);
        }
        if (state == State.LISTENING) {
            b.append(" queued=").append(acceptQueue.size()).append('/').append(backlog);
        } else if (state == State.CONNECTED) {
            b.append(" unread=").append(recv.size()).append(" credit=").append(credit);
            if (finReceived) {
                b.append(" fin-received");
            }
            if (outputShut) {
                b.append(" fin-sent");
            }
            if (inputShut) {
                b.append(" input-shut");
            }
            if (resetSeen) {
                b.append(" reset");
            }
        }
        if (error != NO_ERROR) {
            b.append(" error=").append(error == RESET ? "ECONNRESET" : error == REFUSED ? "ECONNREFUSED" : "ETIMEDOUT");
        }
        if (closed) {
            b.append(" closed");
        }
        return b.toString();
    }
}
