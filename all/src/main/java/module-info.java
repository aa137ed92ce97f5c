/**
 * The whole gevent4j library: {@code requires io.gevent4j;} reads every gevent4j module.
 *
 * <p>Greenlets need {@code --add-opens java.base/java.lang=io.gevent4j.hub,io.gevent4j.loop} on the
 * module path, and Netty's native transport {@code --enable-native-access=io.netty.common} (add Netty's
 * epoll modules with {@code --add-modules ALL-MODULE-PATH}); patching sockets with
 * {@code io.gevent4j.monkey} needs {@code --add-opens java.base/java.net=io.gevent4j.monkey}.
 */
module io.gevent4j {
    requires transitive io.gevent4j.loop;
    requires transitive io.gevent4j.hub;
    requires transitive io.gevent4j.net;
    requires transitive io.gevent4j.http;
    requires transitive io.gevent4j.monkey;
}
