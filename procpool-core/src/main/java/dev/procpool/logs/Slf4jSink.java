package dev.procpool.logs;

import dev.procpool.internal.logs.Mdc;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Re-emits worker events through the controller's SLF4J. The worker's MDC entries and its name go
 * in the MDC for the duration of the call only, and what was there before is put back: the calling
 * thread is a procpool I/O thread, but a user may also call this sink from their own threads.
 */
final class Slf4jSink implements LogSink {
    static final Slf4jSink INSTANCE = new Slf4jSink();

    private Slf4jSink() {
    }

    @Override
    public void accept(LogEvent e) {
        String name = e.source() == LogEvent.Source.LOG ? e.logger() : "procpool." + e.source().jsonName();
        Logger logger = LoggerFactory.getLogger(name);
        if (!logger.isEnabledForLevel(e.level())) {
            return;
        }
        String message = e.exception() == null ? e.message() : e.message() + System.lineSeparator() + e.exception();
        if (!Mdc.ready()) {
            logger.atLevel(e.level()).log(message); // SLF4J is still starting on another thread: no MDC this once
            return;
        }
        Map<String, String> before = MDC.getCopyOfContextMap();
        e.mdc().forEach(MDC::put);
        MDC.put(LogEvent.MDC_WORKER, e.worker());
        try {
            logger.atLevel(e.level()).log(message);
        } finally {
            if (before == null || before.isEmpty()) {
                MDC.clear();
            } else {
                MDC.setContextMap(before);
            }
        }
    }

    @Override
    public String toString() {
        return "LogSink.slf4j()";
    }
}
