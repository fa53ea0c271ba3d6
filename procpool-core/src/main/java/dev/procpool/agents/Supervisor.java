package dev.procpool.agents;

import dev.procpool.JdkCodec;
import dev.procpool.TaskFailedException;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.Workers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a set of named agents, each in its own worker, routes the messages they send each other,
 * and watches them (multitools' Supervisor, with Erlang/OTP's restart-one as an option).
 *
 * <pre>{@code
 * class AgentOne extends Agent {
 *     protected void run() throws Exception {
 *         print(nextMessage());
 *     }
 * }
 * class AgentTwo extends Agent {
 *     protected void run() {
 *         send(ids("Agent one"), "Agent two signing in");
 *     }
 * }
 * Supervisor.builder()
 *         .add("Agent one", new AgentOne())
 *         .add("Agent two", new AgentTwo())
 *         .build()
 *         .supervise();      // prints "[Agent one] Agent two signing in"
 * }</pre>
 *
 * <p>Lifecycle: {@link #supervise()} starts every agent, returns when all have ended, and may be
 * called once. Agents get ids in the order they were added, from 0. When every non-resident agent
 * has ended, each resident agent gets a {@link ResidentTerm} message. When an agent fails (throws,
 * or its worker dies, e.g. killed with SIGKILL), the {@link RestartStrategy} decides: by default
 * every other agent is stopped (interrupt, then SIGTERM, then SIGKILL, each after
 * {@link SupervisorOptions#grace()}) and {@code supervise} throws {@link AgentFailedException}
 * naming the agent, with its exception and worker-side stack trace as the cause.
 *
 * <p>Where things run: print and message handlers in this JVM, on the threads reading the agents'
 * connections (see {@link PrintHandler}); everything else on the thread calling {@code supervise}.
 * Messages between agents pass through this JVM (the supervisor routes them without decoding).
 */
public final class Supervisor {
    private final List<AgentSpec> specs;
    private final SupervisorOptions options;
    private final PrintHandler printHandler;
    private final MessageHandler messageHandler;
    /**
     * The latest worker of each agent, by agent index, for {@link #status()} from any thread; set
     * by the supervising thread when it starts one (the supervising thread's own arrays are not
     * shared). Null until {@code supervise} runs.
     */
    private volatile java.util.concurrent.atomic.AtomicReferenceArray<Worker<?>> live;
    /** When each agent's latest worker started (nanoTime), by agent index; set beside {@link #live}. */
    private volatile java.util.concurrent.atomic.AtomicLongArray startedAt;
    private boolean used; // guarded by this

    private Supervisor(Builder b) {
        this.specs = List.copyOf(b.specs);
        this.options = b.options;
        this.printHandler = b.printHandler;
        this.messageHandler = b.messageHandler;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The agents, in id order. */
    public List<AgentSpec> agents() {
        return specs;
    }

    public SupervisorOptions options() {
        return options;
    }

    /**
     * Runs every agent until all have ended.
     *
     * @throws AgentFailedException if an agent failed and the strategy stopped the others
     * @throws IllegalArgumentException if an agent cannot be serialized (nothing is started)
     * @throws IllegalStateException if called a second time
     * @throws InterruptedException if this thread is interrupted; every agent is stopped first
     */
    public void supervise() throws InterruptedException {
        try {
            run(-1);
        } catch (TimeoutException e) {
            throw new AssertionError(e); // no deadline, no timeout
        }
    }

    /**
     * Runs every agent until all have ended, or stops them all once {@code timeout} has passed.
     *
     * @throws TimeoutException if agents were still running after {@code timeout}; they are
     *     stopped before this is thrown
     * @throws AgentFailedException if an agent failed and the strategy stopped the others
     * @throws InterruptedException if this thread is interrupted; every agent is stopped first
     */
    public void supervise(Duration timeout) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(timeout, "timeout");
        run(Math.max(0, timeout.toNanos()));
    }

    private void run(long timeoutNanos) throws InterruptedException, TimeoutException {
        synchronized (this) {
            if (used) {
                throw new IllegalStateException("supervise() was already called on this supervisor");
            }
            used = true;
        }
        List<byte[]> agentBytes = new ArrayList<>();
        for (AgentSpec s : specs) {
            agentBytes.add(serialize(s));
        }
        startedAt = new java.util.concurrent.atomic.AtomicLongArray(specs.size());
        live = new java.util.concurrent.atomic.AtomicReferenceArray<>(specs.size());
        new Run(agentBytes).go(timeoutNanos);
    }

    private static byte[] serialize(AgentSpec s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new JdkCodec().encode(s.agent(), out);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("agent '" + s.name() + "' (" + s.agent().getClass().getName()
                    + ") cannot be serialized: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("agent '" + s.name() + "' could not be serialized: " + e, e);
        }
        return out.toByteArray();
    }

    /**
     * What the agents are doing now, as a pool's status: one worker per agent (its latest
     * incarnation), {@code BUSY} while it runs (its current task is the agent itself, its age the
     * time since that incarnation started), {@code EXITED} with how it ended; memory and CPU time
     * of process agents from {@code /proc}. Before {@link #supervise()} runs, every agent shows as
     * {@code STARTING}. Safe to call from any thread while {@code supervise} blocks.
     *
     * <pre>{@code
     * StatusServer page = StatusServer.builder().source(supervisor::status).start();
     * new Thread(() -> System.out.println(page.uri())).start();
     * supervisor.supervise();
     * }</pre>
     */
    public dev.procpool.status.PoolStatus status() {
        java.util.concurrent.atomic.AtomicReferenceArray<Worker<?>> ws = live;
        java.util.concurrent.atomic.AtomicLongArray starts = startedAt;
        List<dev.procpool.status.WorkerStatus> out = new ArrayList<>();
        long now = System.nanoTime();
        int alive = 0;
        long failed = 0;
        for (int i = 0; i < specs.size(); i++) {
            AgentSpec spec = specs.get(i);
            Worker<?> w = ws == null ? null : ws.get(i);
            long started = w == null ? 0 : starts.get(i);
            java.time.Instant created = java.time.Instant.now().minusNanos(started == 0 ? 0 : now - started);
            if (w == null) {
                out.add(new dev.procpool.status.WorkerStatus(spec.name(), spec.type(), "", java.util.OptionalLong.empty(),
                        dev.procpool.status.WorkerStatus.State.STARTING, java.util.OptionalLong.empty(),
                        java.util.Optional.empty(), 0, 0, java.util.OptionalLong.empty(), java.util.Optional.empty(),
                        created, java.util.Optional.empty()));
                continue;
            }
            dev.procpool.WorkerState st = w.state();
            boolean ended = st == dev.procpool.WorkerState.COMPLETED || st == dev.procpool.WorkerState.FAILED
                    || st == dev.procpool.WorkerState.TERMINATED || st == dev.procpool.WorkerState.DIED;
            boolean bad = st == dev.procpool.WorkerState.FAILED || st == dev.procpool.WorkerState.DIED;
            failed += bad ? 1 : 0;
            alive += ended ? 0 : 1;
            java.util.OptionalLong rss = java.util.OptionalLong.empty();
            java.util.Optional<Duration> cpu = java.util.Optional.empty();
            boolean process = w.type() == dev.procpool.WorkerType.PROCESS;
            if (process && !ended) {
                dev.procpool.internal.status.ProcReader.Sample sample = dev.procpool.internal.status.ProcReader.read(w.pid());
                rss = sample.rssBytes() < 0 ? rss : java.util.OptionalLong.of(sample.rssBytes());
                cpu = sample.cpuNanos() < 0 ? cpu : java.util.Optional.of(Duration.ofNanos(sample.cpuNanos()));
            }
            out.add(new dev.procpool.status.WorkerStatus(spec.name(), w.type(), w.host(),
                    w.type() == dev.procpool.WorkerType.THREAD ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(w.pid()),
                    ended ? dev.procpool.status.WorkerStatus.State.EXITED
                            : st == dev.procpool.WorkerState.RUNNING ? dev.procpool.status.WorkerStatus.State.BUSY
                            : st == dev.procpool.WorkerState.CLOSING ? dev.procpool.status.WorkerStatus.State.STOPPING
                            : dev.procpool.status.WorkerStatus.State.STARTING,
                    ended ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(i),
                    ended || started == 0 ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofNanos(now - started)),
                    ended ? 1 : 0, bad ? 1 : 0, rss, cpu, created,
                    ended ? w.exit().map(dev.procpool.WorkerExit::description) : java.util.Optional.empty()));
        }
        int n = specs.size();
        long done = out.stream().filter(x -> x.state() == dev.procpool.status.WorkerStatus.State.EXITED).count();
        dev.procpool.PoolStats totals = new dev.procpool.PoolStats(n, 0, n - done, done - failed, failed, 0, 0, 0,
                ws == null ? 0 : n, 0, failed, alive);
        return new dev.procpool.status.PoolStatus("supervisor", "agents", java.time.Instant.now(), 0, totals, out, List.of(),
                List.of());
    }

    /** One call of supervise: its router, workers and events. */
    private final class Run implements Router.Events {
        private final List<byte[]> agentBytes;
        private final Directory dir = new Directory(specs);
        private final String secret = newSecret();
        private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final int n = specs.size();
        // Per agent, only on the supervising thread:
        private final Worker<?>[] workers = new Worker<?>[n];
        private final int[] incarnation = new int[n];
        private final boolean[] workerDone = new boolean[n];
        private final boolean[] readerDone = new boolean[n];
        private final boolean[] finished = new boolean[n];
        private final List<Deque<Long>> restarts = new ArrayList<>();
        private Router router;
        private boolean termSent;
        private AgentFailedException failure;

        Run(List<byte[]> agentBytes) {
            this.agentBytes = agentBytes;
            for (int i = 0; i < n; i++) {
                restarts.add(new ArrayDeque<>());
            }
        }

        @Override
        public void readerEnded(int id, int inc) {
            events.add(new Event(false, id, inc, null));
        }

        void go(long timeoutNanos) throws InterruptedException, TimeoutException {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            try {
                router = new Router(dir, secret, printHandler, messageHandler, this,
                        loader != null ? loader : Supervisor.class.getClassLoader());
            } catch (IOException e) {
                throw new IllegalStateException("the supervisor could not open its loopback port: " + e, e);
            }
            long deadline = System.nanoTime() + timeoutNanos;
            try {
                for (int i = 0; i < n && failure == null; i++) {
                    start(i);
                }
                maybeTerm();
                while (remaining() > 0) {
                    Event ev;
                    if (timeoutNanos < 0) {
                        ev = events.take();
                    } else {
                        ev = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                        if (ev == null) {
                            List<String> running = new ArrayList<>();
                            for (int i = 0; i < n; i++) {
                                if (!finished[i]) {
                                    running.add(dir.describe(i));
                                }
                            }
                            stopAll();
                            throw new TimeoutException("agents still running after " + Duration.ofNanos(timeoutNanos)
                                    + " were stopped: " + String.join(", ", running));
                        }
                    }
                    handle(ev);
                }
            } catch (InterruptedException e) {
                stopAll();
                throw e;
            } finally {
                router.close();
            }
            if (failure != null) {
                throw failure;
            }
        }

        private int remaining() {
            int r = 0;
            for (boolean f : finished) {
                if (!f) {
                    r++;
                }
            }
            return r;
        }

        private void start(int id) {
            AgentSpec s = specs.get(id);
            int inc = ++incarnation[id];
            if (inc > 1) {
                router.prepareRestart(router.slot(id), inc);
                if (termSent && s.isResident()) {
                    router.control(router.slot(id), Wire.TERM, 0);
                }
            } else {
                router.slot(id).incarnation = inc;
            }
            workerDone[id] = false;
            readerDone[id] = false;
            WorkerOptions wo = s.options();
            if (wo.name().isEmpty()) {
                wo = wo.toBuilder().name("agent-" + s.name().replaceAll("[^A-Za-z0-9._-]", "-")).build();
            }
            AgentTask task = new AgentTask(agentBytes.get(id), id, inc, dir, router.port(), secret,
                    options.mailboxCapacity());
            Worker<Void> w;
            try {
                w = Workers.start(s.type(), task, wo);
            } catch (WorkerStartException | RuntimeException e) {
                workers[id] = null;
                workerDone[id] = true;
                readerDone[id] = true;
                failed(id, "could not be started", e);
                return;
            }
            workers[id] = w;
            startedAt.set(id, System.nanoTime());
            live.set(id, w);
            w.future().whenComplete((v, e) -> events.add(new Event(true, id, inc, e == null ? null : unwrap(e))));
        }

        private void handle(Event ev) {
            int id = ev.id();
            int inc = ev.incarnation();
            if (inc != incarnation[id] || finished[id]) {
                return; // an older incarnation's late news
            }
            if (!ev.worker()) {
                readerDone[id] = true;
            } else {
                workerDone[id] = true;
                Throwable error = ev.error();
                if (error != null || failure != null) {
                    // the worker is gone: its connection has nothing more to say
                    router.disconnect(router.slot(id));
                    readerDone[id] = true;
                    if (error != null && failure == null) {
                        if (restartable(id)) {
                            start(id);
                            return;
                        }
                        failed(id, restarts.get(id).isEmpty() ? "failed"
                                : "failed again after " + restarts.get(id).size() + " restart(s) within "
                                        + options.strategy().period(), error);
                    }
                } else if (router.slot(id).incarnation == inc && !router.slot(id).attached) {
                    readerDone[id] = true; // ended without connecting (cannot happen for a normal run)
                }
            }
            if (workerDone[id] && readerDone[id]) {
                finish(id);
            }
        }

        private boolean restartable(int id) {
            RestartStrategy st = options.strategy();
            if (!st.restarts()) {
                return false;
            }
            Deque<Long> times = restarts.get(id);
            long now = System.nanoTime();
            while (!times.isEmpty() && now - times.peekFirst() > st.period().toNanos()) {
                times.removeFirst();
            }
            if (times.size() >= st.maxRestarts()) {
                return false;
            }
            times.addLast(now);
            return true;
        }

        private void finish(int id) {
            finished[id] = true;
            Router.Slot s = router.slot(id);
            router.ended(s);
            if (failure == null) {
                for (int i = 0; i < n; i++) {
                    if (!finished[i]) {
                        router.control(router.slot(i), Wire.ENDED, id);
                    }
                }
                maybeTerm();
            }
        }

        private void maybeTerm() {
            if (termSent) {
                return;
            }
            for (int i = 0; i < n; i++) {
                if (!specs.get(i).isResident() && !finished[i]) {
                    return;
                }
            }
            termSent = true;
            for (int i = 0; i < n; i++) {
                if (!finished[i]) {
                    router.control(router.slot(i), Wire.TERM, 0);
                }
            }
        }

        private void failed(int id, String why, Throwable error) {
            if (failure != null) {
                return;
            }
            failure = new AgentFailedException(specs.get(id).name(), id, why, error);
            if (workers[id] == null) {
                finished[id] = true;
                router.ended(router.slot(id));
            }
            stopOthers();
        }

        /** Stops every running agent in parallel; their ends come back as events. */
        private void stopOthers() {
            Duration grace = options.grace();
            for (int i = 0; i < n; i++) {
                Worker<?> w = workers[i];
                if (w != null && !workerDone[i] && !finished[i]) {
                    Thread t = new Thread(() -> {
                        try {
                            w.terminate(grace);
                        } catch (InterruptedException e) {
                            w.kill();
                        }
                    }, "procpool-agent-stop-" + specs.get(i).name());
                    t.setDaemon(true);
                    t.start();
                } else if (w == null && !finished[i]) {
                    finished[i] = true; // never started
                }
            }
        }

        /** For a timeout or an interrupt: stop everything and wait for the workers to be gone. */
        private void stopAll() {
            boolean interrupted = Thread.interrupted();
            for (int i = 0; i < n; i++) {
                Worker<?> w = workers[i];
                if (w != null && !finished[i]) {
                    w.kill();
                }
            }
            for (int i = 0; i < n; i++) {
                Worker<?> w = workers[i];
                if (w != null) {
                    try {
                        w.await(Duration.ofSeconds(10));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                    finished[i] = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * An agent incarnation's worker ended ({@code worker}, with its error or null), or its
     * connection's reader did: an agent has ended once both have.
     */
    private record Event(boolean worker, int id, int incarnation, Throwable error) {
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TaskFailedException && t.getCause() != null) {
            t = t.getCause(); // the agent's own exception, with its worker-side stack trace
        }
        return t;
    }

    private static String newSecret() {
        byte[] b = new byte[16];
        new java.security.SecureRandom().nextBytes(b);
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }

    /** Builds a {@link Supervisor}; not thread-safe. */
    public static final class Builder {
        private final List<AgentSpec> specs = new ArrayList<>();
        private SupervisorOptions options = SupervisorOptions.defaults();
        private PrintHandler printHandler = PrintHandler.prefixed();
        private MessageHandler messageHandler;

        private Builder() {
        }

        /** Adds an agent with default settings (a process worker, not resident, no subscriptions). */
        public Builder add(String name, Agent agent) {
            return add(AgentSpec.of(name, agent));
        }

        /** Adds agents; each gets the next id. */
        public Builder add(AgentSpec... agents) {
            for (AgentSpec a : agents) {
                specs.add(Objects.requireNonNull(a, "agent spec"));
            }
            return this;
        }

        public Builder options(SupervisorOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Where {@link Agent#print} goes; default {@link PrintHandler#prefixed()}. */
        public Builder printHandler(PrintHandler handler) {
            this.printHandler = Objects.requireNonNull(handler, "printHandler");
            return this;
        }

        /** Receives messages sent to {@link Recipient#SUPERVISOR}; without one they are printed. */
        public Builder messageHandler(MessageHandler handler) {
            this.messageHandler = Objects.requireNonNull(handler, "messageHandler");
            return this;
        }

        /**
         * @throws IllegalArgumentException if no agent was added
         */
        public Supervisor build() {
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("a supervisor needs at least one agent");
            }
            return new Supervisor(this);
        }
    }
}
