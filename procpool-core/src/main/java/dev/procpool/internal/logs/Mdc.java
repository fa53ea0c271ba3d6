package dev.procpool.internal.logs;

import org.slf4j.LoggerFactory;
import org.slf4j.helpers.SubstituteLoggerFactory;

/**
 * Guards procpool's use of SLF4J's MDC. {@code MDC} binds itself, for good, to the adapter of the
 * provider it sees first; while another thread is still initializing SLF4J (logback reading its
 * configuration, say) that is a stand-in whose values no appender ever sees. Touching the MDC
 * from a procpool thread at that moment would break the MDC for the whole JVM, so procpool
 * touches it only once SLF4J is initialized (initializing it on this thread if nobody has).
 */
public final class Mdc {
    private static volatile boolean ready;

    private Mdc() {
    }

    /** Whether the MDC may be used now. */
    public static boolean ready() {
        if (!ready) {
            ready = !(LoggerFactory.getILoggerFactory() instanceof SubstituteLoggerFactory);
        }
        return ready;
    }
}
