package io.gevent4j;

import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Method;

/**
 * Destroys the hub of the thread that ran a test once the test ends. With the default
 * {@code SEPARATE_THREAD} timeout mode (see {@code junit-platform.properties}) every test method runs
 * on a thread of its own, so every test starts with a fresh hub and leaves no open poller behind.
 */
public final class FreshHub implements InvocationInterceptor {
    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> ctx,
                                    ExtensionContext ext) throws Throwable {
        if (Hub.currentIfAny() != null) {
            throw new AssertionError("test thread " + Thread.currentThread() + " already has a hub: "
                    + "SEPARATE_THREAD timeout mode is not in effect");
        }
        try {
            invocation.proceed();
        } finally {
            Hub h = Hub.currentIfAny();
            if (h != null && !h.loop().isRunning()) {
                h.destroy();
            }
        }
    }
}
