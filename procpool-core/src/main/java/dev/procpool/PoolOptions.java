package dev.procpool;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * How a {@link Pool} sizes, feeds, recycles and stops its workers: immutable, built once.
 *
 * <p>Defaults:
 * <ul>
 *   <li>{@code minWorkers} 0 and {@code maxWorkers} the number of CPUs: workers start on demand and
 *       those above the minimum exit after {@code idleTimeout} (60 s) without work</li>
 *   <li>{@code workerTypes}: {@code [PROCESS]}; with several kinds, worker {@code i} is of kind
 *       {@code workerTypes[i % n]}</li>
 *   <li>{@code workerOptions}: {@link WorkerOptions#defaults()} for every worker, named
 *       {@code <pool name>-<index>}</li>
 *   <li>{@code queueCapacity}: unbounded; {@code rejectionPolicy}: {@link RejectionPolicy#BLOCK}</li>
 *   <li>{@code maxTasksPerWorker}: unlimited; {@code memoryLimitBytes}: none (a process worker whose
 *       resident size exceeds it after a task is replaced)</li>
 *   <li>{@code grace}: 1 s between the steps that stop a timed-out or cancelled task's worker</li>
 *   <li>{@code closeTimeout}: 60 s for {@link Pool#close()} to let work finish</li>
 *   <li>{@code callbackMode}: {@link CallbackMode#DAEMON}; no pool callbacks</li>
 *   <li>{@code functionOverrides}: none (every worker applies {@link Pool#map}'s function)</li>
 * </ul>
 *
 * <pre>{@code
 * Pool pool = Pool.create(PoolOptions.builder()
 *     .name("thumbnails")
 *     .minWorkers(1).maxWorkers(4).idleTimeout(Duration.ofSeconds(30))
 *     .queueCapacity(1_000).rejectionPolicy(RejectionPolicy.BLOCK)
 *     .maxTasksPerWorker(10_000).memoryLimitBytes(512L << 20)
 *     .workerOptions(WorkerOptions.builder().maxHeap("256m").build())
 *     .onError((task, error) -> log.warn("task {} failed", task.id(), error))
 *     .build());
 * }</pre>
 */
public final class PoolOptions {
    private final String name;
    private final int minWorkers;
    private final int maxWorkers;
    private final Duration idleTimeout;
    private final List<WorkerType> workerTypes;
    private final IntFunction<WorkerOptions> workerOptions;
    private final int queueCapacity;
    private final RejectionPolicy rejectionPolicy;
    private final long maxTasksPerWorker;
    private final long memoryLimitBytes;
    private final Duration grace;
    private final Duration closeTimeout;
    private final CallbackMode callbackMode;
    private final BiConsumer<TaskHandle<?>, Object> onResult;
    private final BiConsumer<TaskHandle<?>, Throwable> onError;
    private final Map<Integer, TaskFunction<?, ?>> functionOverrides;

    private PoolOptions(Builder b) {
        this.name = b.name;
        this.minWorkers = b.minWorkers;
        this.maxWorkers = b.maxWorkers;
        this.idleTimeout = b.idleTimeout;
        this.workerTypes = List.copyOf(b.workerTypes);
        this.workerOptions = b.workerOptions;
        this.queueCapacity = b.queueCapacity;
        this.rejectionPolicy = b.rejectionPolicy;
        this.maxTasksPerWorker = b.maxTasksPerWorker;
        this.memoryLimitBytes = b.memoryLimitBytes;
        this.grace = b.grace;
        this.closeTimeout = b.closeTimeout;
        this.callbackMode = b.callbackMode;
        this.onResult = b.onResult;
        this.onError = b.onError;
        this.functionOverrides = Map.copyOf(b.functionOverrides);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static PoolOptions defaults() {
        return builder().build();
    }

    public String name() {
        return name;
    }

    public int minWorkers() {
        return minWorkers;
    }

    public int maxWorkers() {
        return maxWorkers;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public List<WorkerType> workerTypes() {
        return workerTypes;
    }

    /** The options of worker number {@code index} (0-based, in start order). */
    public WorkerOptions workerOptions(int index) {
        return workerOptions.apply(index);
    }

    public int queueCapacity() {
        return queueCapacity;
    }

    public RejectionPolicy rejectionPolicy() {
        return rejectionPolicy;
    }

    /** 0 for no limit. */
    public long maxTasksPerWorker() {
        return maxTasksPerWorker;
    }

    /** 0 for no limit. */
    public long memoryLimitBytes() {
        return memoryLimitBytes;
    }

    public Duration grace() {
        return grace;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public CallbackMode callbackMode() {
        return callbackMode;
    }

    /** The pool-level result callback, or null. */
    public BiConsumer<TaskHandle<?>, Object> onResult() {
        return onResult;
    }

    /** The pool-level error callback, or null. */
    public BiConsumer<TaskHandle<?>, Throwable> onError() {
        return onError;
    }

    /** The functions that replace {@link Pool#map}'s function on given workers, by worker index. */
    public Map<Integer, TaskFunction<?, ?>> functionOverrides() {
        return functionOverrides;
    }

    /** Builds {@link PoolOptions}; {@link #build()} checks that the values fit together. */
    public static final class Builder {
        private String name = "pool";
        private int minWorkers = 0;
        private int maxWorkers = Runtime.getRuntime().availableProcessors();
        private Duration idleTimeout = Duration.ofSeconds(60);
        private List<WorkerType> workerTypes = List.of(WorkerType.PROCESS);
        private IntFunction<WorkerOptions> workerOptions = i -> WorkerOptions.defaults();
        private int queueCapacity = Integer.MAX_VALUE;
        private RejectionPolicy rejectionPolicy = RejectionPolicy.BLOCK;
        private long maxTasksPerWorker;
        private long memoryLimitBytes;
        private Duration grace = Duration.ofSeconds(1);
        private Duration closeTimeout = Duration.ofSeconds(60);
        private CallbackMode callbackMode = CallbackMode.DAEMON;
        private BiConsumer<TaskHandle<?>, Object> onResult;
        private BiConsumer<TaskHandle<?>, Throwable> onError;
        private final Map<Integer, TaskFunction<?, ?>> functionOverrides = new HashMap<>();

        private Builder() {
        }

        /**
         * Makes worker {@code index} apply {@code function} instead of the function given to
         * {@link Pool#map} (pyworkers' per-worker targets), e.g. a GPU variant on one worker. The
         * function must accept the same arguments and return the same type.
         */
        public Builder functionOverride(int index, TaskFunction<?, ?> function) {
            if (index < 0) {
                throw new IllegalArgumentException("worker index must not be negative: " + index);
            }
            functionOverrides.put(index, Objects.requireNonNull(function, "function"));
            return this;
        }

        /** Shown in worker names, thread names and {@code toString}. */
        public Builder name(String name) {
            if (Objects.requireNonNull(name, "name").isBlank()) {
                throw new IllegalArgumentException("pool name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** Workers kept alive even when idle; started with the pool. */
        public Builder minWorkers(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("minWorkers must not be negative: " + n);
            }
            this.minWorkers = n;
            return this;
        }

        /** The most workers at once. */
        public Builder maxWorkers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxWorkers must be at least 1: " + n);
            }
            this.maxWorkers = n;
            return this;
        }

        /** How long a worker above the minimum may stay idle before it exits. */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive(d, "idleTimeout");
            return this;
        }

        /** The kinds of workers; with several, worker {@code i} is of kind {@code types[i % n]}. */
        public Builder workerTypes(WorkerType... types) {
            if (types.length == 0) {
                throw new IllegalArgumentException("at least one worker type is needed");
            }
            for (WorkerType t : types) {
                Objects.requireNonNull(t, "worker type"); // REMOTE ones need WorkerOptions.remote(), checked as they start
            }
            this.workerTypes = List.of(types);
            return this;
        }

        /** The same options for every worker (its name is set by the pool). */
        public Builder workerOptions(WorkerOptions options) {
            Objects.requireNonNull(options, "options");
            this.workerOptions = i -> options;
            return this;
        }

        /**
         * Options per worker, by its index in start order (e.g. a bigger heap for some). Every worker
         * must use the same {@link Codec} class: a task is encoded once, when it is submitted, so that
         * any worker can run it or its retry; {@link #build()} refuses a pool that mixes codecs.
         */
        public Builder workerOptions(IntFunction<WorkerOptions> perWorker) {
            this.workerOptions = Objects.requireNonNull(perWorker, "perWorker");
            return this;
        }

        /** How many tasks may wait for a worker; more are handled by the rejection policy. */
        public Builder queueCapacity(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("queueCapacity must be at least 1: " + n);
            }
            this.queueCapacity = n;
            return this;
        }

        /** What happens to a task submitted to a full queue. */
        public Builder rejectionPolicy(RejectionPolicy policy) {
            this.rejectionPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Replaces a worker after this many tasks (0: never). */
        public Builder maxTasksPerWorker(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxTasksPerWorker must not be negative: " + n);
            }
            this.maxTasksPerWorker = n;
            return this;
        }

        /** Replaces a process worker whose resident size exceeds this after a task (0: never). */
        public Builder memoryLimitBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("memoryLimitBytes must not be negative: " + bytes);
            }
            this.memoryLimitBytes = bytes;
            return this;
        }

        /** The wait between interrupt, SIGTERM and SIGKILL when a task's worker must be stopped. */
        public Builder grace(Duration d) {
            Objects.requireNonNull(d, "grace");
            if (d.isNegative()) {
                throw new IllegalArgumentException("grace must not be negative: " + d);
            }
            this.grace = d;
            return this;
        }

        /** How long {@link Pool#close()} lets work finish before stopping it. */
        public Builder closeTimeout(Duration d) {
            this.closeTimeout = positive(d, "closeTimeout");
            return this;
        }

        /** When callbacks run. */
        public Builder callbackMode(CallbackMode mode) {
            this.callbackMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** A callback for every task that succeeds, after the task's own. */
        public Builder onResult(BiConsumer<TaskHandle<?>, Object> callback) {
            this.onResult = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /** A callback for every task that does not succeed, after the task's own. */
        public Builder onError(BiConsumer<TaskHandle<?>, Throwable> callback) {
            this.onError = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /** Checks and takes an immutable snapshot. */
        public PoolOptions build() {
            if (minWorkers > maxWorkers) {
                throw new IllegalArgumentException("minWorkers " + minWorkers + " exceeds maxWorkers " + maxWorkers);
            }
            Class<?> codec = workerOptions.apply(0).codec().getClass();
            for (int i = 1; i < maxWorkers; i++) {
                Class<?> other = workerOptions.apply(i).codec().getClass();
                if (other != codec) {
                    throw new IllegalArgumentException("every worker of a pool must use the same codec, since a task is "
                            + "encoded once for whichever worker runs it: worker 0 uses " + codec.getName()
                            + ", worker " + i + " uses " + other.getName());
                }
            }
            return new PoolOptions(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }
    }
}
