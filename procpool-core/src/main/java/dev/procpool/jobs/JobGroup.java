package dev.procpool.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A named group of jobs (PyExPool's {@code Task}): its own timeout, counted from the start of its
 * first job, after which its unfinished jobs are killed ({@link JobStatus#TIMED_OUT}) and queued ones
 * never start; {@code onStart} when its first job starts; {@code onDone} when all of its jobs have
 * ended and every one succeeded. A job joins a group with {@link Job.Builder#group}, and reaches it
 * with {@link Job#group()}.
 *
 * <p>The group is the one mutable object of the jobs API: it records its start, stop and outcome
 * as its jobs run. Both callbacks run in the controller, on the pool's job thread. "All of its jobs"
 * means those submitted so far: a group whose jobs all ended is done, even if more are submitted later.
 *
 * <pre>{@code
 * JobGroup shuffles = JobGroup.builder("shuffles").timeout(Duration.ofMinutes(10))
 *     .onDone(g -> System.out.println(g.name() + " done in " + Duration.between(g.start().get(), g.stop().get())))
 *     .build();
 * for (int i = 1; i <= 5; i++) {
 *     pool.submit(Job.builder("sort", "-R", "net.txt", "-o", "net" + i + ".txt").group(shuffles).build());
 * }
 * }</pre>
 */
public final class JobGroup {
    private final String name;
    private final Duration timeout;
    private final Consumer<? super JobGroup> onStart;
    private final Consumer<? super JobGroup> onDone;
    private final Map<String, Object> params;

    // Guarded by this. Changed by the pool's job thread only; read from anywhere.
    private final List<JobHandle> jobs = new ArrayList<>();
    private int unfinished;
    private int failed;
    private Instant start;
    private Instant stop;
    private boolean timedOut;

    private JobGroup(Builder b) {
        this.name = b.name;
        this.timeout = b.timeout;
        this.onStart = b.onStart;
        this.onDone = b.onDone;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(b.params));
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    public Map<String, Object> params() {
        return params;
    }

    /** When its first job started. */
    public synchronized Optional<Instant> start() {
        return Optional.ofNullable(start);
    }

    /** When its last job (so far) ended. */
    public synchronized Optional<Instant> stop() {
        return Optional.ofNullable(stop);
    }

    /** Its jobs so far, in submission order. */
    public synchronized List<JobHandle> jobs() {
        return List.copyOf(jobs);
    }

    /** Whether every job submitted so far ended and all succeeded. */
    public synchronized boolean succeeded() {
        return !jobs.isEmpty() && unfinished == 0 && failed == 0;
    }

    /** Whether its own timeout expired. */
    public synchronized boolean timedOut() {
        return timedOut;
    }

    Optional<Consumer<? super JobGroup>> onStartCallback() {
        return Optional.ofNullable(onStart);
    }

    Optional<Consumer<? super JobGroup>> onDoneCallback() {
        return Optional.ofNullable(onDone);
    }

    synchronized void added(JobHandle job) {
        jobs.add(job);
        unfinished++;
        stop = null;
    }

    /** Returns whether this is the group's first start. */
    synchronized boolean started(Instant when) {
        if (start != null) {
            return false;
        }
        start = when;
        return true;
    }

    synchronized void markTimedOut() {
        timedOut = true;
    }

    /** Returns whether the group just finished with every job succeeded. */
    synchronized boolean ended(boolean success, Instant when) {
        unfinished--;
        if (!success) {
            failed++;
        }
        if (unfinished == 0) {
            stop = when;
            return failed == 0;
        }
        return false;
    }

    @Override
    public synchronized String toString() {
        return "JobGroup[" + name + ": " + jobs.size() + " jobs, " + unfinished + " unfinished, " + failed + " failed]";
    }

    /** Builds a {@link JobGroup}: no timeout, no callbacks, no params by default. */
    public static final class Builder {
        private final String name;
        private Duration timeout;
        private Consumer<? super JobGroup> onStart;
        private Consumer<? super JobGroup> onDone;
        private final Map<String, Object> params = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public Builder onStart(Consumer<? super JobGroup> callback) {
            this.onStart = callback;
            return this;
        }

        public Builder onDone(Consumer<? super JobGroup> callback) {
            this.onDone = callback;
            return this;
        }

        public Builder param(String key, Object value) {
            params.put(Objects.requireNonNull(key, "key"), value);
            return this;
        }

        public JobGroup build() {
            return new JobGroup(this);
        }
    }
}
