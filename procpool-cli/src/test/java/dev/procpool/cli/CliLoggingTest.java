package dev.procpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class CliLoggingTest {
    @Test
    void logbackIsSetUpByTheConfiguratorWarnToStderr() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(root.getAppender("STDERR")).as("the appender CliLogging adds").isNotNull();
    }

    @Test
    void aLineNamesTheLevelTheShortLoggerTheWorkerAndTheStackTrace() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        CliLogging.ShortLayout layout = new CliLogging.ShortLayout();
        layout.setContext(context);
        LoggingEvent event = new LoggingEvent("x", context.getLogger("dev.procpool.internal.PoolImpl"), Level.WARN,
                "worker {} died", new IllegalStateException("boom"), new Object[] {"w-3"});
        event.setMDCPropertyMap(Map.of(CliLogging.WORKER_KEY, "w-3"));

        String line = layout.doLayout(event);

        assertThat(line).matches("(?s)\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  PoolImpl \\[w-3\\] - worker w-3 died\\R"
                + "java\\.lang\\.IllegalStateException: boom\\R\\s+at .*");
    }
}
