package io.gevent4j.monkey.apps;

import io.gevent4j.Gevent;
import io.gevent4j.monkey.Monkey;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Started with plain java -javaagent: main runs on the platform main thread; its greenlets cooperate. */
public class AgentApp {
    public static void main(String[] args) throws Exception {
        System.out.println("patched=" + Monkey.isPatched(Monkey.SOCKET));
        System.out.println("mainIsVirtual=" + Thread.currentThread().isVirtual());
        int answer = Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
                var srv = Gevent.spawn(() -> {
                    try (Socket c = server.accept()) {
                        c.getOutputStream().write(c.getInputStream().read() + 1);
                    }
                    return null;
                });
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    s.getOutputStream().write(6);
                    int r = s.getInputStream().read();
                    srv.get();
                    return r;
                }
            }
        }).get();
        System.out.println("answer=" + answer);
    }
}
