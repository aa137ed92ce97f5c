package io.gevent4j.monkey.apps;

/** A program whose main throws. */
public class FailingApp {
    public static void main(String[] args) throws Exception {
        System.out.println("before");
        Thread.sleep(5);
        throw new IllegalStateException("boom from the app");
    }
}
