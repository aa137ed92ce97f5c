/**
 * Cooperative networking on the hub's own event loop (gevent's {@code gevent.socket},
 * {@code gevent.server}, {@code gevent.ssl}).
 *
 * <p>{@link io.gevent4j.net.Socket}, {@link io.gevent4j.net.ServerSocket} and
 * {@link io.gevent4j.net.DatagramSocket} look blocking: a call that cannot complete parks the calling
 * greenlet on an I/O watcher of the {@link io.gevent4j.hub.Hub hub}'s loop and the hub runs other
 * greenlets meanwhile. The descriptor is registered with the hub's own epoll/kqueue (sockets made
 * non-blocking by Netty's JNI, {@code io.netty.channel.unix.Socket}) or, where no native transport
 * loads or {@code -Dgevent4j.loop=nio} forces it, with the hub's NIO selector ({@code java.nio}
 * channels in non-blocking mode); never with the JDK's poller threads. A socket belongs to the hub that
 * made it.
 *
 * <p>{@link io.gevent4j.net.StreamServer} serves a greenlet per connection, on one hub or on several
 * hubs with {@code SO_REUSEPORT}; {@link io.gevent4j.net.SslSocket} adds TLS over
 * {@link javax.net.ssl.SSLEngine}.
 *
 * <h2>DNS</h2>
 * {@link io.gevent4j.net.Dns} resolves names with the JDK's system resolver
 * ({@link java.net.InetAddress#getAllByName}) on a small pool of daemon threads, while the caller
 * parks on the hub with a timeout; IP literals never leave the caller. We chose this over Netty's
 * asynchronous DNS resolver because it gives exactly the answers every other Java code on the machine
 * gets ({@code /etc/hosts}, {@code nsswitch}, search domains, the JDK's address cache and
 * {@code InetAddressResolverProvider}s), adds no dependency, and name lookups are rare next to socket
 * I/O: a thread per concurrent lookup (at most four, then queued) is cheap. It is what gevent's default
 * {@code threadpool} resolver does.
 */
package io.gevent4j.net;
