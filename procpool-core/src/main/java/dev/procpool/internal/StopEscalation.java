package dev.procpool.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * How a worker is stopped, in one place: the running call is interrupted and the worker told to
 * end (level 1), then SIGTERM (level 2), then SIGKILL (level 3), each a grace after the previous
 * one, until the engine has ended. A thread engine cannot be signalled: levels 2 and 3 abandon it.
 *
 * <p>Two ways to walk the levels: {@link #await} on the caller's thread, for a user who asked to
 * terminate a worker and waits for it; {@link #schedule} on the shared timer, for the pool, whose
 * stop must not hold up the event that decided it. No step blocks: frames go out through the
 * engine's writer, and signals are system calls that return at once.
 */
final class StopEscalation {
    /** The bound on waiting after SIGKILL: only a process stuck in the kernel outlives it. */
    static final Duration AFTER_KILL = Duration.ofSeconds(30);

    /** Waits for the engine's end; returns whether it ended within the bound. */
    interface EndWait {
        boolean await(Duration bound) throws InterruptedException;
    }

    private StopEscalation() {
    }

    /** Takes one step on the engine. */
    static void step(Engine e, int level) {
        switch (level) {
            case 1 -> e.stop();
            case 2 -> e.signalTerm();
            default -> e.kill();
        }
    }

    /**
     * Walks the levels on this thread: a step, then up to {@code grace} for the end, then the next
     * step if {@code mayEscalate} still allows that level (the worker may have been replaced).
     */
    static void await(Engine e, Duration grace, IntPredicate mayEscalate, EndWait ended) throws InterruptedException {
        for (int level = 1; level <= 3; level++) {
            if (level > 1 && !mayEscalate.test(level)) {
                return;
            }
            step(e, level);
            if (ended.await(level < 3 ? grace : AFTER_KILL)) {
                return;
            }
        }
    }

    /** Walks the levels on the shared timer, a grace apart, while the engine is alive. */
    static void schedule(Engine e, Duration grace) {
        step(e, 1);
        next(e, 2, Math.max(1, grace.toMillis()));
    }

    private static void next(Engine e, int level, long graceMillis) {
        Controller.get().timer().schedule(() -> {
            if (e.isAlive()) {
                step(e, level);
                if (level < 3) {
                    next(e, level + 1, graceMillis);
                }
            }
        }, graceMillis, TimeUnit.MILLISECONDS);
    }
}
