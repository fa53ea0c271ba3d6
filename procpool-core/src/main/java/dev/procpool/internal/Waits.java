package dev.procpool.internal;

import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;

/** The one way procpool waits for a state: on a condition, with a deadline, never a sleep. */
final class Waits {
    private Waits() {
    }

    /**
     * Waits on {@code condition}, whose lock the caller holds, until {@code done} holds or
     * {@code nanos} have passed.
     *
     * @return whether {@code done} holds
     */
    static boolean awaitLocked(Condition condition, BooleanSupplier done, long nanos) throws InterruptedException {
        while (!done.getAsBoolean()) {
            if (nanos <= 0) {
                return false;
            }
            nanos = condition.awaitNanos(nanos);
        }
        return true;
    }
}
