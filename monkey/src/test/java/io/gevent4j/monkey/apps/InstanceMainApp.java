package io.gevent4j.monkey.apps;

/** A JEP 512 instance main without parameters. */
public class InstanceMainApp {
    void main() {
        System.out.println("instance main ran");
    }
}
