package dev.procpool.internal.child;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of a process worker: every event at or above the worker's level goes to the
 * controller (see {@link ChildLogs}). Chosen with {@code -Dslf4j.provider=} on the worker's
 * command line (honoured by slf4j-api 2.0.9 and later), so it wins over any binding on the
 * classpath, such as the controller's logback, and the worker needs no logging set-up. The level
 * comes from {@code -Dprocpool.log.level} (TRACE, DEBUG, INFO, WARN, ERROR or OFF).
 *
 * <p>Outside a worker (no controller channel) events go to stderr, one line each.
 */
public final class ChildLogProvider implements SLF4JServiceProvider {
    /** System property with the lowest level shipped to the controller. */
    public static final String LEVEL_PROPERTY = "procpool.log.level";

    private ILoggerFactory loggerFactory;
    private IMarkerFactory markerFactory;
    private MDCAdapter mdcAdapter;

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggerFactory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markerFactory;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdcAdapter;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        String s = System.getProperty(LEVEL_PROPERTY, "INFO").trim().toUpperCase(Locale.ROOT);
        int threshold;
        if (s.equals("OFF")) {
            threshold = 5;
        } else {
            try {
                threshold = wire(Level.valueOf(s));
            } catch (IllegalArgumentException e) {
                System.err.println("procpool worker: unknown log level '" + s + "' in -D" + LEVEL_PROPERTY + "; using INFO");
                threshold = wire(Level.INFO);
            }
        }
        BasicMDCAdapter mdc = new BasicMDCAdapter();
        loggerFactory = new Factory(threshold, mdc);
        markerFactory = new BasicMarkerFactory();
        mdcAdapter = mdc;
    }

    /** TRACE 0 .. ERROR 4, as in {@code LogFrames}. */
    static int wire(Level level) {
        return level.toInt() / 10;
    }

    private static final class Factory implements ILoggerFactory {
        private final int threshold;
        private final BasicMDCAdapter mdc;
        private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

        Factory(int threshold, BasicMDCAdapter mdc) {
            this.threshold = threshold;
            this.mdc = mdc;
        }

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, n -> new ChildLogger(n, threshold, mdc));
        }
    }

    private static final class ChildLogger extends AbstractLogger {
        private static final long serialVersionUID = 1L;
        private final int threshold;
        private final transient BasicMDCAdapter mdc;

        ChildLogger(String name, int threshold, BasicMDCAdapter mdc) {
            this.name = name;
            this.threshold = threshold;
            this.mdc = mdc;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                Throwable throwable) {
            FormattingTuple ft = MessageFormatter.arrayFormat(pattern, arguments, throwable);
            String message = ft.getMessage() == null ? "null" : ft.getMessage();
            // without arguments the tuple does not carry the throwable along
            Throwable error = throwable != null ? throwable : ft.getThrowable();
            ChildLogs logs = ChildLogs.get();
            if (logs != null) {
                logs.log(wire(level), name, message, error, mdc.getCopyOfContextMap());
            } else {
                System.err.println(level + " " + name + " - " + message);
                if (error != null) {
                    error.printStackTrace();
                }
            }
        }

        private boolean enabled(Level level) {
            return wire(level) >= threshold;
        }

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isTraceEnabled(Marker marker) {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isDebugEnabled(Marker marker) {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isInfoEnabled(Marker marker) {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isWarnEnabled(Marker marker) {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        public boolean isErrorEnabled(Marker marker) {
            return enabled(Level.ERROR);
        }
    }
}
