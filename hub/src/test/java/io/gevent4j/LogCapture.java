package io.gevent4j;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Captures what a logger logs while open (and keeps it off the console). */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final boolean additive;

    private LogCapture(String name) {
        logger = (Logger) LoggerFactory.getLogger(name);
        additive = logger.isAdditive();
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
        logger.setAdditive(false);
    }

    /** Captures the hub's error reports ({@code Hub.handleError}). */
    public static LogCapture hub() {
        return new LogCapture("io.gevent4j.hub.Hub");
    }

    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return new ArrayList<>(appender.list);
        }
    }

    /** Events whose first argument (the context the hub reports) is {@code context}. */
    public List<ILoggingEvent> about(Object context) {
        return matching(e -> e.getArgumentArray() != null && e.getArgumentArray().length > 0
                && e.getArgumentArray()[0] == context);
    }

    /** Events that carry an exception of class {@code type}. */
    public List<ILoggingEvent> withException(Class<? extends Throwable> type) {
        return matching(e -> e.getThrowableProxy() != null
                && e.getThrowableProxy().getClassName().equals(type.getName()));
    }

    public List<ILoggingEvent> matching(Predicate<ILoggingEvent> p) {
        return events().stream().filter(p).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setAdditive(additive);
        appender.stop();
    }
}
