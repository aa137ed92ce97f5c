package io.gevent4j.monkey.apps;

/** A program that holds the hub's thread without blocking cooperatively (a busy loop). */
public class BusyApp {
    public static void main(String[] args) {
        long end = System.nanoTime() + 600_000_000L;
        long n = 0;
        while (System.nanoTime() < end) {
            n += spinOnce(n);
        }
        System.out.println("done " + (n > 0));
    }

    static long spinOnce(long n) {
        return (n & 1) + 1;
    }
}
