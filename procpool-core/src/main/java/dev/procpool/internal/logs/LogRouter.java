package dev.procpool.internal.logs;

import dev.procpool.internal.protocol.LogFrames;
import dev.procpool.internal.protocol.ProtocolException;
import dev.procpool.logs.LogEvent;
import dev.procpool.logs.LogSink;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The controller's side of log shipping for one process worker: decodes LOG frames on the
 * worker's I/O thread and hands each event to the worker's sink, in order. A sink that throws
 * loses that event only; the failure is logged (the first time, then every 1,000th) so a broken
 * sink does not drown the controller's own log.
 */
public final class LogRouter {
    private static final Logger LOG = LoggerFactory.getLogger(LogRouter.class);

    private final String worker;
    private final LogSink sink;
    private final LogFrames.Receiver receiver = this::event;
    private long sinkFailures;

    public LogRouter(String worker, LogSink sink) {
        this.worker = worker;
        this.sink = sink;
    }

    /** Delivers the {@code count} events of one LOG frame. */
    public void deliver(long count, byte[] payload) throws ProtocolException {
        LogFrames.decode(payload, count, receiver);
    }

    private void event(long sec, int nano, String level, String logger, String thread, String message,
            String exception, java.util.Map<String, String> mdc) {
        LogEvent e = new LogEvent(Instant.ofEpochSecond(sec, nano), worker, LogEvent.Source.LOG, Level.valueOf(level),
                logger, thread, message, exception, mdc);
        try {
            sink.accept(e);
        } catch (RuntimeException ex) {
            if (sinkFailures++ % 1000 == 0) {
                LOG.warn("log sink {} threw on an event from worker {} ({} failures so far); the event is dropped",
                        sink, worker, sinkFailures, ex);
            }
        }
    }
}
