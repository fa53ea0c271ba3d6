package dev.procpool.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The CLI's logging set-up, found by logback through {@code META-INF/services}: WARN and above to
 * stderr, one short line each ({@code 12:00:00.123 WARN  Logger [worker] - message}), since the CLI
 * talks to people on stdout and problems must not drown a command's own output.
 *
 * <p>Why code and not {@code logback.xml}: parsing the XML (a SAX parser, Joran, the pattern
 * compiler) took ~120 ms of every CLI start, as long as the rest of {@code procpool run}'s start-up.
 * A user who wants more sets {@code -Dlogback.configurationFile=FILE}, which takes precedence.
 *
 * <pre>{@code
 * java -Dlogback.configurationFile=my-logback.xml -jar procpool-cli.jar run ...
 * }</pre>
 */
public final class CliLogging extends ContextAwareBase implements Configurator {
    /** The MDC key under which procpool names the worker an event came from. */
    static final String WORKER_KEY = "procpool.worker";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        ShortLayout layout = new ShortLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** {@code HH:mm:ss.SSS LEVEL SimpleLoggerName [worker] - message}, then the stack trace if any. */
    static final class ShortLayout extends LayoutBase<ILoggingEvent> {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

        @Override
        public String doLayout(ILoggingEvent event) {
            StringBuilder sb = new StringBuilder(128);
            sb.append(TIME.format(LocalTime.ofInstant(event.getInstant(), java.time.ZoneId.systemDefault())))
                    .append(' ');
            String level = event.getLevel().toString();
            sb.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
            String logger = event.getLoggerName();
            sb.append(logger, logger.lastIndexOf('.') + 1, logger.length());
            Map<String, String> mdc = event.getMDCPropertyMap();
            String worker = mdc == null ? null : mdc.get(WORKER_KEY);
            if (worker != null) {
                sb.append(" [").append(worker).append(']');
            }
            sb.append(" - ").append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                sb.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
            }
            return sb.toString();
        }
    }
}
