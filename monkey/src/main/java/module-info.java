/**
 * Makes unmodified blocking code cooperative: {@link io.gevent4j.monkey.Monkey}'s patches, drop-in
 * replacements, the launcher {@link io.gevent4j.monkey.Main} and a {@code -javaagent}.
 *
 * <p>Patching sockets needs {@code java.base/java.net} opened to this module:
 * {@code --add-opens java.base/java.net=io.gevent4j.monkey} on the module path ({@code =ALL-UNNAMED}
 * on the class path).
 */
module io.gevent4j.monkey {
    requires transitive io.gevent4j.net;
    requires java.instrument;
    requires org.slf4j;

    exports io.gevent4j.monkey;

    provides java.net.spi.InetAddressResolverProvider with io.gevent4j.monkey.GreenResolverProvider;
}
