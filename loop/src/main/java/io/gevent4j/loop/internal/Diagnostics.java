package io.gevent4j.loop.internal;

import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPLoggerFactory;
import org.slf4j.spi.SLF4JServiceProvider;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ServiceLoader;

/**
 * How gevent4j reports what a user must see (a greenlet that died of an exception, a failing handler,
 * the blocking monitor): through SLF4J when a provider is bound, and otherwise - a project that only has
 * {@code slf4j-api}, whose no-op fallback would swallow everything - on standard error, as gevent prints
 * a greenlet's failure: the stack trace, then one line {@code <time> <what> failed with <exception>}.
 * A project that binds {@code slf4j-nop} on purpose gets silence, as it asked.
 */
public final class Diagnostics {
    private static final boolean TO_STDERR = noProviderBound();

    private Diagnostics() {
    }

    /** True when SLF4J fell back to its no-op logger because no provider is bound. */
    public static boolean toStderr() {
        return TO_STDERR;
    }

    private static boolean noProviderBound() {
        ILoggerFactory f = LoggerFactory.getILoggerFactory();
        if (!(f instanceof NOPLoggerFactory)) {
            return false;
        }
        if (System.getProperty(LoggerFactory.PROVIDER_PROPERTY_KEY) != null) {
            return false; // chosen explicitly
        }
        try {
            return ServiceLoader.load(SLF4JServiceProvider.class, LoggerFactory.class.getClassLoader())
                    .findFirst().isEmpty();
        } catch (RuntimeException | java.util.ServiceConfigurationError e) {
            return true;
        }
    }

    /** An error with its exception: at ERROR through {@code log}, or to standard error (see the class comment). */
    public static void error(Logger log, Throwable error, String pattern, Object... args) {
        if (!TO_STDERR) {
            Object[] withError = java.util.Arrays.copyOf(args, args.length + 1);
            withError[args.length] = error;
            log.error(pattern, withError);
            return;
        }
        PrintStream err = System.err;
        synchronized (err) {
            if (error != null) {
                error.printStackTrace(err);
            }
            err.println(now() + " " + MessageFormatter.arrayFormat(pattern, args).getMessage());
            err.flush();
        }
    }

    /** A warning: at WARN through {@code log}, or one line on standard error. */
    public static void warn(Logger log, String pattern, Object... args) {
        if (!TO_STDERR) {
            log.warn(pattern, args);
            return;
        }
        PrintStream err = System.err;
        synchronized (err) {
            err.println(now() + " WARNING " + MessageFormatter.arrayFormat(pattern, args).getMessage());
            err.flush();
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
