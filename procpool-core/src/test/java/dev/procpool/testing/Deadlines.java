package dev.procpool.testing;

import java.time.Duration;

/**
 * Every wait in the tests derives from these, so a slow machine is fixed in one place. They are
 * upper bounds on waits for conditions, never sleeps.
 */
public final class Deadlines {
    /** Enough for a child JVM to start and answer on a loaded 2-core machine. */
    public static final Duration LONG = Duration.ofSeconds(60);
    /** For things that should happen promptly, such as a reaped process. */
    public static final Duration SHORT = Duration.ofSeconds(10);
    /** A grace used by terminate() in tests: short, to keep the suite quick. */
    public static final Duration GRACE = Duration.ofMillis(500);

    private Deadlines() {
    }
}
