package dev.procpool.agents;

import java.time.Duration;
import java.util.Objects;

/**
 * What the supervisor does when an agent fails (throws, or its worker dies).
 *
 * <ul>
 *   <li>{@link #stopAll()} (the default, as multitools): stop every other agent and make
 *       {@link Supervisor#supervise()} throw {@link AgentFailedException}. Right when the agents
 *       only make sense together.</li>
 *   <li>{@link #restartOne(int, Duration)} (Erlang/OTP's one_for_one): start the failed agent
 *       again, in a new worker, with the same id, name and a fresh copy of the agent object as it
 *       was given to the supervisor; the others go on. Messages sent to it meanwhile wait for the
 *       new incarnation; messages that were in the failed one's mailbox are lost. More than
 *       {@code maxRestarts} restarts of one agent within {@code period} count as a failure, as for
 *       {@code stopAll}. Right for agents that hold no state others depend on.</li>
 * </ul>
 *
 * <pre>{@code
 * SupervisorOptions.builder().strategy(RestartStrategy.restartOne(3, Duration.ofMinutes(1))).build();
 * }</pre>
 */
public final class RestartStrategy {
    private static final RestartStrategy STOP_ALL = new RestartStrategy(0, Duration.ZERO);

    private final int maxRestarts;
    private final Duration period;

    private RestartStrategy(int maxRestarts, Duration period) {
        this.maxRestarts = maxRestarts;
        this.period = period;
    }

    /** One failure stops everything. */
    public static RestartStrategy stopAll() {
        return STOP_ALL;
    }

    /**
     * Restart a failed agent alone, at most {@code maxRestarts} times within any {@code period}.
     *
     * @throws IllegalArgumentException if {@code maxRestarts} is not positive or the period is not
     */
    public static RestartStrategy restartOne(int maxRestarts, Duration period) {
        Objects.requireNonNull(period, "period");
        if (maxRestarts < 1 || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("restartOne needs maxRestarts >= 1 and a positive period, got "
                    + maxRestarts + " in " + period);
        }
        return new RestartStrategy(maxRestarts, period);
    }

    /** Whether failed agents are restarted. */
    public boolean restarts() {
        return maxRestarts > 0;
    }

    /** Restarts allowed per agent within {@link #period()}; 0 for {@link #stopAll()}. */
    public int maxRestarts() {
        return maxRestarts;
    }

    /** The sliding window {@link #maxRestarts()} counts in. */
    public Duration period() {
        return period;
    }

    @Override
    public String toString() {
        return restarts() ? "restartOne(" + maxRestarts + " in " + period + ")" : "stopAll";
    }
}
