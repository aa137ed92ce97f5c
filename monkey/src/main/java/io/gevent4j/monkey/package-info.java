/**
 * gevent's {@code gevent.monkey} for Java: make unmodified blocking code cooperative.
 *
 * <ul>
 *   <li>{@link io.gevent4j.monkey.Monkey}: {@code patchAll()} and one {@code patch...} per area,
 *       idempotent, each reporting what it changed; {@code isPatched}, {@code original}.</li>
 *   <li>{@link io.gevent4j.monkey.Main}: the launcher, {@code java ... io.gevent4j.monkey.Main
 *       com.example.App args} runs {@code App.main} in a greenlet with everything patched, optionally
 *       with the blocking monitor; {@code java -jar gevent4j-monkey-VERSION-launcher.jar -cp app.jar
 *       com.example.App} does the same with the JVM flags from the jar's manifest
 *       ({@link io.gevent4j.monkey.LauncherAgent} puts the program's jars on the class path).</li>
 *   <li>{@link io.gevent4j.monkey.Premain}: the same patches as a {@code -javaagent}.</li>
 *   <li>Drop-in replacements: {@link io.gevent4j.monkey.Cooperative#sleep(long)},
 *       {@link io.gevent4j.monkey.CooperativeSocketFactory},
 *       {@link io.gevent4j.monkey.CooperativeServerSocketFactory}.</li>
 * </ul>
 *
 * <p>Greenlets are virtual threads scheduled by their hub, so {@code Thread.sleep},
 * {@code java.util.concurrent} queues, locks and latches, {@code synchronized} and {@code Object.wait}
 * already park only the calling greenlet: they need no patch. Sockets do, to wait on the hub's own
 * epoll instead of the JDK's poller threads. JVM flags: {@code --add-opens java.base/java.lang=ALL-UNNAMED
 * --add-opens java.base/java.net=ALL-UNNAMED --enable-native-access=ALL-UNNAMED}.
 */
package io.gevent4j.monkey;
