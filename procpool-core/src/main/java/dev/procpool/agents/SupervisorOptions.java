package dev.procpool.agents;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Supervisor} reacts to failures and bounds its memory. Immutable.
 *
 * <p>Defaults:
 * <ul>
 *   <li>{@code strategy}: {@link RestartStrategy#stopAll()}</li>
 *   <li>{@code mailboxCapacity}: 10,000 messages per agent. Flow control, not loss: when an
 *       agent's mailbox is full, its connection is not read, the supervisor's write to it waits,
 *       and so the sender's next sends wait too. The bound is approximate: the reader adds what it
 *       read from the connection in one go (at most a few 64 KiB batches) before it checks again.
 *       Memory stays bounded however fast agents send;
 *       the price is that two agents that only send to each other, never receiving, can block
 *       each other once both mailboxes are full.</li>
 *   <li>{@code grace}: 1 s; stopping the other agents after a failure interrupts their
 *       task threads, then after this grace sends SIGTERM, then SIGKILL.</li>
 * </ul>
 *
 * <pre>{@code
 * SupervisorOptions options = SupervisorOptions.builder()
 *         .strategy(RestartStrategy.restartOne(3, Duration.ofMinutes(1)))
 *         .mailboxCapacity(1_000)
 *         .build();
 * }</pre>
 */
public final class SupervisorOptions {
    private static final SupervisorOptions DEFAULTS = builder().build();

    private final RestartStrategy strategy;
    private final int mailboxCapacity;
    private final Duration grace;

    private SupervisorOptions(Builder b) {
        this.strategy = b.strategy;
        this.mailboxCapacity = b.mailboxCapacity;
        this.grace = b.grace;
    }

    public static SupervisorOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public RestartStrategy strategy() {
        return strategy;
    }

    public int mailboxCapacity() {
        return mailboxCapacity;
    }

    public Duration grace() {
        return grace;
    }

    @Override
    public String toString() {
        return "SupervisorOptions[strategy=" + strategy + ", mailboxCapacity=" + mailboxCapacity + ", grace=" + grace
                + "]";
    }

    /** Builds {@link SupervisorOptions}; not thread-safe. */
    public static final class Builder {
        private RestartStrategy strategy = RestartStrategy.stopAll();
        private int mailboxCapacity = 10_000;
        private Duration grace = Duration.ofSeconds(1);

        private Builder() {
        }

        public Builder strategy(RestartStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** Messages an agent's mailbox holds before senders to it are slowed down; at least 1. */
        public Builder mailboxCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("mailboxCapacity must be at least 1, got " + capacity);
            }
            this.mailboxCapacity = capacity;
            return this;
        }

        /** The grace of each step when stopping agents. */
        public Builder grace(Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace must not be negative: " + grace);
            }
            this.grace = grace;
            return this;
        }

        public SupervisorOptions build() {
            return new SupervisorOptions(this);
        }
    }
}
