package dev.procpool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Options for one pool task, immutable. Defaults: no timeout; on timeout fail (no retry); no
 * retry when the worker dies under the task; no callbacks; no tags; the pool's callbacks run after
 * the task's own.
 *
 * <pre>{@code
 * TaskOptions<String> options = TaskOptions.<String>builder()
 *     .timeout(Duration.ofSeconds(10))
 *     .retriesOnTimeout(2)
 *     .onResult(value -> System.out.println("got " + value))
 *     .onError(error -> System.err.println("failed: " + error))
 *     .tag("input", "file-17.csv")
 *     .build();
 * pool.submit(() -> convert("file-17.csv"), options);
 * }</pre>
 *
 * @param <R> the task's result type
 */
public final class TaskOptions<R> {
    private static final TaskOptions<Object> DEFAULTS = TaskOptions.builder().build();

    private final Duration timeout;
    private final int retriesOnTimeout;
    private final int retriesOnWorkerDeath;
    private final Consumer<? super R> onResult;
    private final Consumer<Throwable> onError;
    private final Map<String, String> tags;
    private final boolean skipPoolCallbacks;

    private TaskOptions(Builder<R> b) {
        this.timeout = b.timeout;
        this.retriesOnTimeout = b.retriesOnTimeout;
        this.retriesOnWorkerDeath = b.retriesOnWorkerDeath;
        this.onResult = b.onResult;
        this.onError = b.onError;
        this.tags = Map.copyOf(b.tags);
        this.skipPoolCallbacks = b.skipPoolCallbacks;
    }

    /** The defaults. */
    @SuppressWarnings("unchecked")
    public static <R> TaskOptions<R> defaults() {
        return (TaskOptions<R>) DEFAULTS;
    }

    /** A builder with the defaults. */
    public static <R> Builder<R> builder() {
        return new Builder<>();
    }

    /** The timeout, if any. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** How many times a timed-out task is run again before it ends as {@link TaskState#TIMED_OUT}. */
    public int retriesOnTimeout() {
        return retriesOnTimeout;
    }

    /**
     * How many times a task whose worker died under it is run again before it fails. A task that
     * never started does not count: one still queued in a worker that died or was stopped, and
     * one whose worker was declared dead (heartbeats unanswered, e.g. stopped with SIGSTOP)
     * before it acknowledged reading it, goes to another worker whatever this says.
     */
    public int retriesOnWorkerDeath() {
        return retriesOnWorkerDeath;
    }

    /** The result callback, if any. */
    public Optional<Consumer<? super R>> onResult() {
        return Optional.ofNullable(onResult);
    }

    /** The error callback, if any. */
    public Optional<Consumer<Throwable>> onError() {
        return Optional.ofNullable(onError);
    }

    /** The user's tags. */
    public Map<String, String> tags() {
        return tags;
    }

    /** Whether the pool's callbacks are skipped for this task. */
    public boolean skipPoolCallbacks() {
        return skipPoolCallbacks;
    }

    /** Builds {@link TaskOptions}. */
    public static final class Builder<R> {
        private Duration timeout;
        private int retriesOnTimeout;
        private int retriesOnWorkerDeath;
        private Consumer<? super R> onResult;
        private Consumer<Throwable> onError;
        private final Map<String, String> tags = new LinkedHashMap<>();
        private boolean skipPoolCallbacks;

        private Builder() {
        }

        /** Stops the task (and its worker) if it runs longer than this. */
        public Builder<R> timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Runs a timed-out task again up to {@code n} times (PyExPool's restart on timeout). */
        public Builder<R> retriesOnTimeout(int n) {
            this.retriesOnTimeout = nonNegative(n, "retriesOnTimeout");
            return this;
        }

        /** Runs the task again up to {@code n} times when its worker dies under it. */
        public Builder<R> retriesOnWorkerDeath(int n) {
            this.retriesOnWorkerDeath = nonNegative(n, "retriesOnWorkerDeath");
            return this;
        }

        /** Called with the value when the task succeeds (see {@link CallbackMode} for the thread). */
        public Builder<R> onResult(Consumer<? super R> callback) {
            this.onResult = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /** Called with the exception when the task ends in any other way. */
        public Builder<R> onError(Consumer<Throwable> callback) {
            this.onError = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /** A user tag, kept on the {@link TaskHandle}. */
        public Builder<R> tag(String key, String value) {
            tags.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Skips the pool-level callbacks for this task. */
        public Builder<R> skipPoolCallbacks() {
            this.skipPoolCallbacks = true;
            return this;
        }

        /** Takes an immutable snapshot. */
        public TaskOptions<R> build() {
            return new TaskOptions<>(this);
        }

        private static int nonNegative(int n, String what) {
            if (n < 0) {
                throw new IllegalArgumentException(what + " must not be negative: " + n);
            }
            return n;
        }
    }
}
