/**
 * Greenlets and their hub: {@code io.gevent4j} holds gevent's API ({@link io.gevent4j.Gevent},
 * {@link io.gevent4j.Greenlet}, {@link io.gevent4j.Timeout}, events, queues, locks, pools),
 * {@code io.gevent4j.hub} the hub itself ({@link io.gevent4j.hub.Hub}, {@link io.gevent4j.hub.Waiter},
 * raw greenlets).
 *
 * <p>Greenlets are virtual threads with the hub as their scheduler, which the JDK reaches only when
 * {@code java.base/java.lang} is opened to this module and to {@code io.gevent4j.loop}:
 * {@code --add-opens java.base/java.lang=io.gevent4j.hub,io.gevent4j.loop} on the module path
 * ({@code =ALL-UNNAMED} on the class path).
 */
module io.gevent4j.hub {
    requires transitive io.gevent4j.loop;
    requires org.slf4j;
    requires io.netty.transport.unix.common; // Subprocess pipes
    requires jdk.jfr; // HubEvents
    requires static jdk.unsupported; // Signals reaches sun.misc.Signal reflectively
    requires static micrometer.core; // only io.gevent4j.hub.micrometer, an optional binding
    requires static jdk.management; // io.gevent4j.sim: greenlet stacks in a failure report, if the module is there

    exports io.gevent4j;
    exports io.gevent4j.hub;
    exports io.gevent4j.subprocess;
    exports io.gevent4j.sim;
    exports io.gevent4j.hub.micrometer;
    exports io.gevent4j.internal to io.gevent4j.net, io.gevent4j.http, io.gevent4j.monkey;
}
