package io.gevent4j.monkey.apps;

import io.gevent4j.hub.Hub;
import io.gevent4j.monkey.Monkey;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** An unmodified program: prints its arguments, where it runs, and talks to itself over java.net. */
public class HelloApp {
    public static void main(String[] args) throws Exception {
        System.out.println("args=" + String.join(",", args));
        System.out.println("greenlet=" + (Thread.currentThread().isVirtual() && Hub.currentIfAny() != null));
        System.out.println("patched=" + Monkey.isPatched(Monkey.SOCKET));
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            int[] answer = new int[1];
            Thread client = Thread.ofVirtual().start(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    s.getOutputStream().write(21);
                    answer[0] = s.getInputStream().read();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (Socket c = server.accept()) {
                int q = c.getInputStream().read();
                Thread.sleep(10);
                c.getOutputStream().write(q * 2);
            }
            client.join();
            System.out.println("answer=" + answer[0]);
        }
    }
}
