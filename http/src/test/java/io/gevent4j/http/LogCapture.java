package io.gevent4j.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Captures what is logged at WARN and above through SLF4J (logback, the tests' binding) while it is
 * installed, for tests that assert a server logs no ERROR for a peer that merely went away.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<ILoggingEvent> events = new ArrayList<>();

    private LogCapture() {
    }

    /** Starts capturing on the root logger. */
    static LogCapture install() {
        LogCapture c = new LogCapture();
        c.setContext(((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).getLoggerContext());
        c.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(c);
        return c;
    }

    @Override
    protected synchronized void append(ILoggingEvent e) {
        if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
            events.add(e);
        }
    }

    /** The ERROR events so far, as text with their exception's class and message. */
    synchronized List<String> errors() {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : events) {
            if (e.getLevel().isGreaterOrEqual(Level.ERROR)) {
                out.add(e.getLoggerName() + ": " + e.getFormattedMessage()
                        + (e.getThrowableProxy() != null ? " " + e.getThrowableProxy().getClassName() + ": "
                        + e.getThrowableProxy().getMessage() : ""));
            }
        }
        return out;
    }

    /** The WARN events so far. */
    synchronized List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : events) {
            if (e.getLevel() == Level.WARN) {
                out.add(e.getLoggerName() + ": " + e.getFormattedMessage());
            }
        }
        return out;
    }

    /** A short account of {@code errors}: how many, and the first three. */
    static String summary(List<String> errors) {
        return errors.size() + " ERRORs, first " + errors.subList(0, Math.min(3, errors.size()));
    }

    synchronized void clear() {
        events.clear();
    }

    @Override
    public void close() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(this);
        stop();
    }
}
