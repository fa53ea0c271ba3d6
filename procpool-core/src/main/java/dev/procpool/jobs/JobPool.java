package dev.procpool.jobs;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs external commands ({@link Job}s) in N concurrent slots (PyExPool's {@code ExecPool}):
 * per-job timeouts that kill the job's whole process tree, restarts on timeout, groups, callbacks
 * in the controller, and {@link #join(Duration)} with a global deadline.
 *
 * <pre>{@code
 * try (JobPool pool = JobPool.builder().slots(4).build()) {
 *     JobHandle ls = pool.submit(Job.builder("ls", "-la").stdout(Output.pipe()).build());
 *     pool.submit(Job.builder("sleep", "60").timeout(Duration.ofSeconds(1)).build());
 *     boolean all = pool.join(Duration.ofMinutes(30));    // false: the rest was killed
 *     System.out.println(ls.future().join().stdoutText());
 * }
 * }</pre>
 *
 * <p><b>One design with {@link Pool}.</b> A job is a {@link Task} on a {@code Pool} whose workers
 * are the <em>job hosts</em> (one per slot): the host starts the job's process, enforces its
 * timeout and restarts, and kills the job's process tree on timeout or cancel. The pool keeps its
 * own queue and hands the {@code Pool} a job only when a slot is free, so that {@code onStart} runs
 * just before the job starts, as in PyExPool. Hosts are of one of two kinds ({@link Builder#hosts}):
 * <ul>
 * <li>{@link WorkerType#THREAD} (the default): threads of this JVM start the jobs. Nothing to start
 * up, and each job costs one spawn and no round trip: the fastest choice.
 * <li>{@link WorkerType#PROCESS}: one job-host JVM per slot, for a controller that should not
 * start processes itself, or whose jobs need hosts with {@link WorkerOptions} of their own (a
 * launch mechanism, system properties, an environment).
 * </ul>
 * Either way a controller that dies, even by SIGKILL, takes every job with it: each job carries a
 * mark in its environment, and a reaper process started with the first job kills every marked
 * process when the JVM that started them is gone (see {@code JobHost}); process hosts also notice
 * the lost connection within milliseconds and kill their descendants.
 *
 * <p>Defaults: {@code slots} the number of CPUs; {@code name} "jobs"; {@code grace} 1 s between
 * SIGTERM and SIGKILL when a job times out; {@code closeTimeout} 60 s; thread hosts. Process hosts
 * use {@link WorkerOptions#defaults()}, their stdout and stderr passed through unprefixed (so a
 * job's inherited output reaches the controller's stdout and stderr line by line), and on JDK 17 to
 * 20 the {@code VFORK} launch mechanism, which starts processes about twice as fast (deprecated on
 * later JDKs, where the default is kept). Thread hosts start processes with this JVM's launch
 * mechanism, which only the JVM's command line can choose
 * ({@code -Djdk.lang.Process.launchMechanism}); {@code procpool run} picks {@code VFORK} on JDK 17
 * to 20.
 *
 * <p><b>Threads.</b> Callbacks ({@code onStart}, {@code onDone}, group callbacks) run on the pool's
 * single job thread, {@code procpool-jobs-<name>}, one at a time, in the order things happen; an
 * exception they throw is logged and ignored. Keep them short: the job thread also starts jobs.
 */
public final class JobPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobPool.class);
    private static final TaskOptions<Object> TASK_OPTIONS = TaskOptions.builder().skipPoolCallbacks().build();

    private enum State { QUEUED, DISPATCHED, DONE }

    private final String name;
    private final int slots;
    private final Duration grace;
    private final Duration closeTimeout;
    private final Pool pool;
    private final ScheduledThreadPoolExecutor loop;

    // Guarded by lock. Jobs are started and finished on the loop thread; cancel may come from anywhere.
    private final Object lock = new Object();
    private final ArrayDeque<Handle> queue = new ArrayDeque<>();
    private final Set<Handle> unfinished = new LinkedHashSet<>();
    private int running;
    private long seq;
    private boolean shutdown;

    private JobPool(Builder b) throws WorkerStartException {
        this.name = b.name;
        this.slots = b.slots;
        this.grace = b.grace;
        this.closeTimeout = b.closeTimeout;
        WorkerOptions.Builder host = b.hostOptions.toBuilder()
                .output((worker, source, line) -> (source == OutputHandler.Source.STDOUT ? System.out : System.err)
                        .println(line));
        if (Runtime.version().feature() < 21 && !b.hostOptions.systemProperties()
                .containsKey("jdk.lang.Process.launchMechanism")) {
            host.systemProperty("jdk.lang.Process.launchMechanism", "VFORK");
        }
        WorkerOptions hostOptions = host.build();
        this.loop = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "procpool-jobs-" + name);
            t.setDaemon(true);
            return t;
        });
        loop.setRemoveOnCancelPolicy(true);
        // a group's pending timeout must not hold up close()
        loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        try {
            this.pool = Pool.create(PoolOptions.builder()
                    .name(name)
                    .minWorkers(b.prestart ? slots : 0)
                    .maxWorkers(slots)
                    .workerTypes(b.hosts)
                    .workerOptions(hostOptions)
                    // a cancelled job's host spends up to the grace killing its tree: not a hung host
                    .grace(b.grace.plusSeconds(2))
                    .build());
        } catch (WorkerStartException | RuntimeException e) {
            loop.shutdownNow();
            throw e;
        }
    }

    /** A builder with the defaults listed in the class Javadoc. */
    public static Builder builder() {
        return new Builder();
    }

    /** A pool with {@code slots} slots and the other defaults. */
    public static JobPool create(int slots) throws WorkerStartException {
        return builder().slots(slots).build();
    }

    public String name() {
        return name;
    }

    public int slots() {
        return slots;
    }

    /**
     * Queues a job; it starts as soon as a slot is free, in submission order.
     * @throws RejectedExecutionException if the pool is shut down
     */
    public JobHandle submit(Job job) {
        Objects.requireNonNull(job, "job");
        Handle h;
        synchronized (lock) {
            if (shutdown) {
                throw new RejectedExecutionException("job pool " + name + " is shut down; cannot run " + job);
            }
            h = new Handle(this, job, ++seq);
            queue.add(h);
            unfinished.add(h);
        }
        job.group().ifPresent(g -> g.added(h));
        loop.execute(this::pump);
        return h;
    }

    /** Runs a job and waits for its end (PyExPool's {@code execute(job, async=False)}). */
    public JobResult run(Job job) throws InterruptedException {
        try {
            return submit(job).future().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a job's future never fails", e);
        }
    }

    /** Jobs running now. */
    public int running() {
        synchronized (lock) {
            return running;
        }
    }

    /** Jobs waiting for a slot. */
    public int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /**
     * What the pool is doing now, as {@link Pool#status()} shows it for the pool that hosts the
     * jobs: a worker per busy or idle slot host, with the task it runs (the hosting pool's task
     * id) and its age; {@code queued} counts the jobs waiting for a slot too. Memory is that of a
     * process host's JVM; a thread host has none of its own.
     *
     * <pre>{@code
     * System.out.println(jobs.status().queued() + " jobs wait");
     * }</pre>
     */
    public dev.procpool.status.PoolStatus status() {
        dev.procpool.status.PoolStatus hosts = pool.status();
        int waiting = queued();
        dev.procpool.PoolStats t = hosts.totals();
        // jobs waiting for a slot are not the hosting pool's yet, but they are submitted and queued here
        dev.procpool.PoolStats totals = new dev.procpool.PoolStats(t.submitted() + waiting, t.queued() + waiting, t.running(),
                t.completed(), t.failed(), t.timedOut(), t.cancelled(), t.retried(), t.workersStarted(), t.workersRecycled(),
                t.workersDied(), t.workersAlive());
        return new dev.procpool.status.PoolStatus(name, "jobs", hosts.takenAt(), totals.queued(), totals, hosts.workers(),
                hosts.recentFailures(), hosts.throughput());
    }

    /** Waits, without a deadline, until every job submitted so far has ended. */
    public void join() throws InterruptedException {
        CompletableFuture<Void> all = allUnfinished();
        try {
            all.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a job's future never fails", e);
        }
    }

    /**
     * Waits up to {@code timeout} for every job submitted so far to end (PyExPool's
     * {@code join(timeout)}). If some have not, cancels them (queued ones never start, running ones
     * are killed with their process trees) and waits for them to end.
     * @return true if everything finished in time, false if the rest was terminated
     */
    public boolean join(Duration timeout) throws InterruptedException {
        try {
            allUnfinished().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            List<Handle> rest;
            synchronized (lock) {
                rest = new ArrayList<>(unfinished);
            }
            rest.forEach(Handle::cancel);
            join();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a job's future never fails", e);
        }
    }

    private CompletableFuture<Void> allUnfinished() {
        synchronized (lock) {
            return CompletableFuture.allOf(unfinished.stream().map(h -> h.future).toArray(CompletableFuture[]::new));
        }
    }

    /** Accepts no more jobs; those submitted still run. */
    public void shutdown() {
        synchronized (lock) {
            shutdown = true;
        }
    }

    /**
     * Accepts no more jobs, cancels the queued ones (returned) and kills the running ones with
     * their process trees; every one of them ends {@link JobStatus#CANCELLED}.
     */
    public List<Job> shutdownNow() {
        List<Handle> queued;
        List<Handle> rest;
        synchronized (lock) {
            shutdown = true;
            queued = new ArrayList<>(queue);
            rest = new ArrayList<>(unfinished);
        }
        List<Job> never = new ArrayList<>();
        for (Handle h : queued) {
            if (h.cancel()) {
                never.add(h.job);
            }
        }
        rest.forEach(Handle::cancel);
        return never;
    }

    /**
     * Lets the submitted jobs finish for up to {@code closeTimeout}, kills what is left, and stops
     * the job hosts. Restores the interrupt flag if interrupted.
     */
    @Override
    public void close() {
        shutdown();
        boolean interrupted = false;
        try {
            join(closeTimeout);
        } catch (InterruptedException e) {
            interrupted = true;
            shutdownNow();
        }
        pool.close();
        loop.shutdown();
        try {
            loop.awaitTermination(closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        loop.shutdownNow();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "JobPool[" + name + ": " + slots + " slots, " + running + " running, " + queue.size()
                    + " queued" + (shutdown ? ", shut down" : "") + "]";
        }
    }

    // ---- on the loop thread ----

    private void pump() {
        while (true) {
            Handle h;
            synchronized (lock) {
                if (running >= slots || queue.isEmpty()) {
                    return;
                }
                h = queue.poll();
                h.state = State.DISPATCHED;
                running++;
            }
            dispatch(h);
        }
    }

    private void dispatch(Handle h) {
        Instant now = Instant.now();
        h.dispatched = now;
        Job job = h.job;
        JobGroup g = job.group().orElse(null);
        if (g != null && g.started(now)) {
            g.onStartCallback().ifPresent(cb -> safely("onStart of group " + g.name(), cb, g));
            g.timeout().ifPresent(t -> loop.schedule(() -> groupTimedOut(g), t.toNanos(), TimeUnit.NANOSECONDS));
        }
        job.onStart().ifPresent(cb -> safely("onStart of " + job.name(), cb, h));
        if (job.command().isEmpty()) {
            finished(h, new HostOutcome("SUCCEEDED", 0, now.toEpochMilli(), System.currentTimeMillis(), 0,
                    null, null, null), null);
            return;
        }
        TaskHandle<HostOutcome> t;
        try {
            t = pool.submit(task(spec(job)), TASK_OPTIONS);
        } catch (RuntimeException e) {
            finished(h, null, e);
            return;
        }
        boolean cancelNow;
        synchronized (lock) {
            h.task = t;
            cancelNow = h.cancelled;
        }
        if (cancelNow) {
            t.cancel();
        }
        t.future().whenComplete((v, e) -> {
            try {
                loop.execute(() -> finished(h, v, e));
            } catch (RejectedExecutionException closed) {
                finished(h, v, e);
            }
        });
    }

    private void finished(Handle h, HostOutcome v, Throwable e) {
        synchronized (lock) {
            running--;
        }
        Job job = h.job;
        JobResult r;
        if (e == null) {
            JobStatus status = JobStatus.valueOf(v.status());
            if (h.groupTimedOut && status != JobStatus.SUCCEEDED) {
                status = JobStatus.TIMED_OUT;
            }
            r = new JobResult(job, status, v.exitCode(), Instant.ofEpochMilli(v.startMillis()),
                    Instant.ofEpochMilli(v.stopMillis()), v.attempts(), v.stdout(), v.stderr(), v.error());
        } else {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            JobStatus status = h.groupTimedOut ? JobStatus.TIMED_OUT
                    : cause instanceof CancellationException || h.cancelled ? JobStatus.CANCELLED : JobStatus.FAILED;
            r = new JobResult(job, status, -1, h.dispatched, Instant.now(), 1, null, null,
                    status == JobStatus.FAILED ? "job host failed: " + cause : null);
        }
        complete(h, r);
        pump();
    }

    private void complete(Handle h, JobResult r) {
        synchronized (lock) {
            if (h.state == State.DONE) {
                return;
            }
            h.state = State.DONE;
            unfinished.remove(h);
        }
        Job job = h.job;
        if (r.succeeded()) {
            job.onDone().ifPresent(cb -> safely("onDone of " + job.name(), cb, r));
        }
        job.group().ifPresent(g -> {
            if (g.ended(r.succeeded(), r.stop().orElse(Instant.now()))) {
                g.onDoneCallback().ifPresent(cb -> safely("onDone of group " + g.name(), cb, g));
            }
        });
        h.future.complete(r);
    }

    private void groupTimedOut(JobGroup g) {
        if (g.jobs().stream().allMatch(JobHandle::isDone)) {
            return; // it ended in time
        }
        g.markTimedOut();
        for (JobHandle jh : g.jobs()) {
            Handle h = (Handle) jh;
            synchronized (lock) {
                if (h.state == State.DONE) {
                    continue;
                }
                h.groupTimedOut = true;
            }
            h.cancel();
        }
    }

    private <T> void safely(String what, Consumer<? super T> callback, T arg) {
        try {
            callback.accept(arg);
        } catch (RuntimeException | Error e) {
            LOG.warn("job pool {}: {} threw; ignored", name, what, e);
        }
    }

    private JobSpec spec(Job job) {
        return new JobSpec(job.command(), job.workingDirectory().map(Object::toString).orElse(null),
                job.environment(), job.clearEnvironment(), job.timeout().map(Duration::toMillis).orElse(0L),
                job.restartsOnTimeout(), job.startDelay().toMillis(), grace.toMillis(),
                job.stdout().kind().name(), job.stdout().file().map(Object::toString).orElse(null),
                job.stderr().kind().name(), job.stderr().file().map(Object::toString).orElse(null));
    }

    private static Task<HostOutcome> task(JobSpec spec) {
        return () -> JobHost.run(spec);
    }

    private static final class Handle implements JobHandle {
        private final JobPool pool;
        private final Job job;
        private final long seq;
        private final CompletableFuture<JobResult> future = new CompletableFuture<>();
        // guarded by pool.lock
        private State state = State.QUEUED;
        private TaskHandle<HostOutcome> task;
        private boolean cancelled;
        private boolean groupTimedOut;
        private volatile Instant dispatched;

        Handle(JobPool pool, Job job, long seq) {
            this.pool = pool;
            this.job = job;
            this.seq = seq;
        }

        @Override
        public Job job() {
            return job;
        }

        @Override
        public long seq() {
            return seq;
        }

        @Override
        public Optional<Instant> dispatched() {
            return Optional.ofNullable(dispatched);
        }

        @Override
        public CompletableFuture<JobResult> future() {
            return future;
        }

        @Override
        public boolean cancel() {
            TaskHandle<HostOutcome> t;
            boolean wasQueued;
            synchronized (pool.lock) {
                if (state == State.DONE || cancelled) {
                    return false;
                }
                cancelled = true;
                wasQueued = state == State.QUEUED;
                if (wasQueued) {
                    pool.queue.remove(this);
                }
                t = task;
            }
            if (wasQueued) {
                JobResult r = new JobResult(job, groupTimedOut ? JobStatus.TIMED_OUT : JobStatus.CANCELLED, -1,
                        null, null, 0, null, null, null);
                try {
                    pool.loop.execute(() -> pool.complete(this, r));
                } catch (RejectedExecutionException closed) {
                    pool.complete(this, r);
                }
            } else if (t != null) {
                t.cancel();
            }
            // else: being dispatched right now; dispatch() sees the flag and cancels the task
            return true;
        }

        @Override
        public String toString() {
            return "JobHandle[" + seq + " " + job.name() + "]";
        }
    }

    /** Builds a {@link JobPool}; see its Javadoc for the defaults. */
    public static final class Builder {
        private String name = "jobs";
        private int slots = Runtime.getRuntime().availableProcessors();
        private Duration grace = Duration.ofSeconds(1);
        private Duration closeTimeout = Duration.ofSeconds(60);
        private WorkerOptions hostOptions = WorkerOptions.defaults();
        private boolean prestart;
        private WorkerType hosts = WorkerType.THREAD;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** How many jobs run at once; at least 1. */
        public Builder slots(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("slots must be >= 1: " + n);
            }
            this.slots = n;
            return this;
        }

        /** Time between SIGTERM and SIGKILL for a job past its timeout; zero kills at once. */
        public Builder grace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace must be >= 0: " + grace);
            }
            this.grace = grace;
            return this;
        }

        /** How long {@link #close()} lets submitted jobs finish before killing them. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Options of the job hosts (for process hosts: heap, JVM arguments...); their output
         * handler is replaced.
         */
        public Builder hostOptions(WorkerOptions options) {
            this.hostOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Which kind of job host starts the jobs: {@link WorkerType#THREAD} (the default, threads
         * of this JVM) or {@link WorkerType#PROCESS} (a job-host JVM per slot); see the class Javadoc.
         */
        public Builder hosts(WorkerType type) {
            Objects.requireNonNull(type, "type");
            if (type == WorkerType.REMOTE) {
                throw new IllegalArgumentException("jobs run on THREAD or PROCESS hosts, not " + type);
            }
            this.hosts = type;
            return this;
        }

        /** Start every job host now rather than with the first jobs. */
        public Builder prestart(boolean prestart) {
            this.prestart = prestart;
            return this;
        }

        public JobPool build() throws WorkerStartException {
            return new JobPool(this);
        }
    }
}
