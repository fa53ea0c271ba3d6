package dev.procpool.redis;

import static dev.procpool.redis.internal.RedisLink.b;
import static dev.procpool.redis.internal.RedisLink.s;

import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.ProcpoolException;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import dev.procpool.internal.OsSignals;
import dev.procpool.redis.internal.NodeScripts;
import dev.procpool.redis.internal.RedisLink;
import dev.procpool.redis.internal.TaskDecoder;
import dev.procpool.redis.internal.Wire;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A machine's share of a {@link RedisPool}: takes tasks from the Redis stream (as a member of the
 * namespace's consumer group), runs them in a local {@link Pool} of worker processes, and
 * acknowledges each with its result in one atomic step. It renews the claims of the tasks it holds
 * (so long tasks keep them) and takes over the tasks of nodes that stopped renewing theirs
 * (XAUTOCLAIM), dead-lettering a task that has been delivered too often.
 *
 * <pre>{@code
 * try (RedisNode node = RedisNode.start(RedisNodeOptions.builder().url("redis://localhost:6379").build())) {
 *     node.awaitStop();                  // until close() from another thread, or SIGTERM under main()
 * }
 * }</pre>
 *
 * <p>From the command line: {@code procpool worker-server --redis URL}, or
 * {@code java -cp ... dev.procpool.redis.RedisNode --redis URL [--name N] [--workers N]
 * [--namespace NS] [--claim-idle-ms MS] [--heartbeat-ms MS] [--allow PATTERN] [--classpath CP]
 * [--tls-ca FILE]}.
 *
 * <p>Lifecycle: {@link State#RUNNING} after {@link #start}; {@link #close()} moves it to
 * {@link State#STOPPING} (no new tasks; those held run to the end, up to the close timeout) and then
 * {@link State#STOPPED}. A task still running when the timeout ends is left pending in Redis, and
 * another node takes it over after {@code claimIdle}.
 *
 * <p>Threads: {@code procpool-redis-reader} (takes new tasks), {@code procpool-redis-keeper}
 * (renews claims, takes over stalled tasks), {@code procpool-redis-publisher} (acknowledges and
 * publishes results), each with its own Redis connection, plus the local pool's threads.
 */
public final class RedisNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisNode.class);
    private static final int BLOCK_MS = 250;

    /** The lifecycle of a {@link RedisNode}; it only moves forward. */
    public enum State {
        /** Taking and running tasks. */
        RUNNING,
        /** Taking no new tasks; finishing those it holds. */
        STOPPING,
        /** Stopped: its local workers are gone. Terminal. */
        STOPPED
    }

    private final RedisNodeOptions options;
    private final RedisLink link;
    private final TaskDecoder decoder;
    private final Pool pool;
    private final byte[] consumer;
    private final byte[] nodeName;
    private final Semaphore slots;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final BlockingQueue<Outcome> outbox = new LinkedBlockingQueue<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread reader;
    private final Thread keeper;
    private final Thread publisher;
    private volatile State state = State.RUNNING;

    /** A task this node holds (its stream entry is pending under this node's name). */
    private static final class Held {
        final String entryId;
        final String taskId;
        final int deliveries;
        final byte[] ttl;
        /** The results stream of the controller that submitted the task. */
        final byte[] replyKey;
        volatile TaskHandle<?> handle;
        volatile boolean lost;

        Held(String entryId, String taskId, int deliveries, byte[] ttl, byte[] replyKey) {
            this.entryId = entryId;
            this.taskId = taskId;
            this.deliveries = deliveries;
            this.ttl = ttl;
            this.replyKey = replyKey;
        }
    }

    /** What the publisher does for one held task: publish this state and value, or (null state) just let it go. */
    private record Outcome(Held task, String state, byte[] value) {
    }

    private RedisNode(RedisNodeOptions options) throws RedisConnectException, WorkerStartException {
        this.options = options;
        this.link = new RedisLink(options.url(), options.sslContext().orElse(null), options.namespace(),
                "procpool-node");
        ClassLoader taskLoader = taskLoader(options);
        this.decoder = new TaskDecoder(options.allowedClasses(), taskLoader);
        this.consumer = b(options.name());
        this.nodeName = consumer;
        this.slots = new Semaphore(options.workers() + options.prefetch());
        Jedis r = null;
        Jedis k = null;
        Jedis p = null;
        try {
            r = link.connect();
            link.ensureGroup(r, link.tasksKey(), RedisLink.NODES_GROUP);
            k = link.connect();
            p = link.connect();
        } catch (JedisException e) {
            for (Jedis j : new Jedis[] {r, k, p}) {
                if (j != null) {
                    j.close();
                }
            }
            throw new RedisConnectException("cannot use Redis at " + link + ": " + e.getMessage(), e);
        }
        Jedis readerConnection = r;
        Jedis keeperConnection = k;
        Jedis publisherConnection = p;
        // the pool decodes results with its creator's context class loader: the tasks' one
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(taskLoader);
        try {
            this.pool = Pool.create(PoolOptions.builder()
                    .name("redis-" + options.name())
                    .workerTypes(WorkerType.PROCESS)
                    .minWorkers(options.workers())
                    .maxWorkers(options.workers())
                    .workerOptions(workerOptions(options))
                    .build());
        } catch (WorkerStartException | RuntimeException e) {
            r.close();
            k.close();
            p.close();
            throw e;
        } finally {
            self.setContextClassLoader(previous);
        }
        reader = new Thread(() -> readLoop(readerConnection), "procpool-redis-reader");
        keeper = new Thread(() -> keepLoop(keeperConnection), "procpool-redis-keeper");
        publisher = new Thread(() -> publishLoop(publisherConnection), "procpool-redis-publisher");
        for (Thread t : List.of(reader, keeper, publisher)) {
            t.setDaemon(true);
            t.start();
        }
        log.info("node {} serving {} (namespace {}) with {} workers", options.name(), link, options.namespace(),
                options.workers());
    }

    /** The node's classes plus the options' classpath, or the node's own loader when there is none. */
    private static ClassLoader taskLoader(RedisNodeOptions options) {
        ClassLoader own = RedisNode.class.getClassLoader();
        if (options.classpath().isEmpty()) {
            return own;
        }
        List<java.net.URL> urls = new ArrayList<>();
        for (Path p : expand(options.classpath())) {
            try {
                urls.add(p.toUri().toURL());
            } catch (java.net.MalformedURLException e) {
                throw new IllegalArgumentException("bad classpath entry " + p, e);
            }
        }
        return new java.net.URLClassLoader("procpool-node-classpath", urls.toArray(new java.net.URL[0]), own);
    }

    /** Entries with each {@code dir/*} replaced by the jars of {@code dir}, as {@code java -cp} does. */
    private static List<Path> expand(List<Path> entries) {
        List<Path> out = new ArrayList<>();
        for (Path p : entries) {
            if (p.getFileName() != null && p.getFileName().toString().equals("*")) {
                try (java.util.stream.Stream<Path> jars = java.nio.file.Files.list(p.getParent())) {
                    jars.filter(j -> j.toString().endsWith(".jar") || j.toString().endsWith(".JAR")).sorted()
                            .forEach(out::add);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot list " + p.getParent() + ": " + e.getMessage(), e);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** The options' worker options, with the options' classpath added after the workers' own. */
    private static dev.procpool.WorkerOptions workerOptions(RedisNodeOptions options) {
        dev.procpool.WorkerOptions w = options.workerOptions();
        if (options.classpath().isEmpty()) {
            return w;
        }
        List<String> cp = new ArrayList<>(w.classpath().orElseGet(
                () -> List.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))));
        options.classpath().forEach(p -> cp.add(p.toString()));
        return w.toBuilder().classpath(cp).build();
    }

    /**
     * Connects to Redis, starts the local workers and begins taking tasks.
     *
     * @throws RedisConnectException if Redis cannot be reached or refuses the login
     * @throws WorkerStartException if the local worker processes cannot be started
     */
    public static RedisNode start(RedisNodeOptions options) throws RedisConnectException, WorkerStartException {
        return new RedisNode(Objects.requireNonNull(options, "options"));
    }

    /** The node's name in Redis and in results. */
    public String name() {
        return options.name();
    }

    /** The current state. */
    public State state() {
        return state;
    }

    /** How many tasks this node holds (running or waiting for a local worker). */
    public int held() {
        return held.size();
    }

    /**
     * What the node's local workers are doing now, as {@link Pool#status()} shows it; the tasks it
     * holds but has not handed to a worker yet count as queued.
     *
     * <pre>{@code
     * StatusServer.builder().source(node::status).start();
     * }</pre>
     */
    public dev.procpool.status.PoolStatus status() {
        dev.procpool.status.PoolStatus local = pool.status();
        return new dev.procpool.status.PoolStatus(name(), "redis", local.takenAt(), local.queued(), local.totals(),
                local.workers(), local.recentFailures(), local.throughput());
    }

    /** Blocks until the node has stopped. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops taking tasks, lets those held finish (up to the close timeout), publishes their results
     * and stops the local workers. Idempotent; blocks until done.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (state != State.RUNNING) {
                awaitQuietly();
                return;
            }
            state = State.STOPPING;
        }
        log.info("node {} stopping: {} tasks held", options.name(), held.size());
        reader.interrupt();
        joinQuietly(reader);
        long deadline = System.nanoTime() + options.closeTimeout().toNanos();
        while (!held.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        state = State.STOPPED;
        keeper.interrupt();
        publisher.interrupt();
        joinQuietly(keeper);
        joinQuietly(publisher);
        pool.shutdownNow();
        pool.close();
        stopped.countDown();
        log.info("node {} stopped", options.name());
    }

    private void awaitQuietly() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "RedisNode[" + options.name() + ", " + state + ", held=" + held.size() + ", " + link + "]";
    }

    // ---- taking tasks

    private void readLoop(Jedis jedis) {
        Jedis j = jedis;
        long backoff = 50;
        byte[] cursor = b("0-0");
        long beat = Math.max(1, options.heartbeat().toNanos());
        long nextTakeOver = System.nanoTime();
        try {
            while (state == State.RUNNING) {
                slots.acquire();
                int n = 1 + slots.drainPermits();
                int taken = 0;
                try {
                    if (j == null) {
                        j = link.connect();
                        // after a restart of Redis without persistence the group is gone: make it again
                        link.ensureGroup(j, link.tasksKey(), RedisLink.NODES_GROUP);
                    }
                    if (System.nanoTime() - nextTakeOver >= 0) {
                        // stalled tasks first: they have waited longest
                        nextTakeOver = System.nanoTime() + beat;
                        TakeOver t = takeOver(j, cursor, n);
                        cursor = t.cursor;
                        taken += t.taken;
                        if (taken == n) {
                            continue; // all slots filled; nothing to give back
                        }
                    }
                    Object reply = j.sendCommand(Command.XREADGROUP, b("GROUP"), RedisLink.NODES_GROUP, consumer,
                            b("COUNT"), b(Integer.toString(n - taken)), b("BLOCK"), b(Integer.toString(BLOCK_MS)),
                            b("STREAMS"), link.tasksKey(), b(">"));
                    if (reply instanceof List<?> streams && !streams.isEmpty()) {
                        for (Object e : (List<?>) ((List<?>) streams.get(0)).get(1)) {
                            List<?> entry = (List<?>) e;
                            taken++;
                            begin(s(entry.get(0)), entry.get(1), 1);
                        }
                    }
                    backoff = 50;
                } catch (JedisException e) {
                    log.warn("node {}: reading tasks from {} failed, retrying in {} ms: {}", options.name(), link,
                            backoff, e.toString());
                    if (j != null) {
                        j.close();
                        j = null;
                    }
                    slots.release(n - taken);
                    Thread.sleep(backoff);
                    backoff = Math.min(2_000, backoff * 2);
                    continue;
                }
                slots.release(n - taken);
            }
        } catch (InterruptedException e) {
            // stopping
        } finally {
            if (j != null) {
                j.close();
            }
        }
    }

    /** Starts one task this node now holds; its slot is taken and is given back by the publisher. */
    private void begin(String entryId, Object rawFields, int deliveries) {
        Map<String, byte[]> f = RedisLink.fields(rawFields);
        String taskId = Objects.requireNonNullElse(s(f.get("id")), entryId);
        byte[] ttl = f.get("ttl") != null ? f.get("ttl") : b(Long.toString(Duration.ofDays(1).toMillis()));
        int max = f.get("max") == null ? Integer.MAX_VALUE : Integer.parseInt(s(f.get("max")));
        byte[] replyKey;
        try {
            replyKey = f.get("reply") == null ? link.resultsKey() : link.resultsKey(s(f.get("reply")));
        } catch (IllegalArgumentException e) {
            // not a name a controller can have: the result goes where a default controller reads
            replyKey = link.resultsKey();
        }
        // a dead letter reports the deliveries that ran, not the claim that gives up on it
        Held h = new Held(entryId, taskId, deliveries > max ? deliveries - 1 : deliveries, ttl, replyKey);
        held.put(entryId, h);
        if (deliveries > max) {
            log.warn("node {}: task {} dead-lettered after {} deliveries", options.name(), taskId, h.deliveries);
            outbox.add(new Outcome(h, "DEAD_LETTER", null));
            return;
        }
        Task<?> task;
        try {
            if (f.get("task") == null) {
                throw new IOException("the entry has no task");
            }
            Object decoded = decoder.decode(f.get("task"));
            if (!(decoded instanceof Task<?> t)) {
                throw new IOException("not a task: " + (decoded == null ? "null" : decoded.getClass().getName()));
            }
            task = t;
        } catch (IOException | ClassNotFoundException | RuntimeException | LinkageError e) {
            fail(h, new ProcpoolException("task " + taskId + " cannot be read on node " + options.name() + ": " + e, e));
            return;
        }
        long timeoutMs = f.get("timeout") == null ? 0 : Long.parseLong(s(f.get("timeout")));
        TaskOptions<Object> taskOptions = timeoutMs > 0
                ? TaskOptions.builder().timeout(Duration.ofMillis(timeoutMs)).build()
                : TaskOptions.defaults();
        TaskHandle<?> handle;
        try {
            @SuppressWarnings("unchecked")
            Task<Object> t = (Task<Object>) task;
            handle = pool.submit(t, taskOptions);
        } catch (RuntimeException e) {
            if (state != State.RUNNING) {
                outbox.add(new Outcome(h, null, null)); // stopping: left pending for another node
            } else {
                fail(h, e);
            }
            return;
        }
        h.handle = handle;
        // runs on a procpool I/O thread: hand over, never block it
        handle.future().whenComplete((value, error) -> outbox.add(outcome(h, value, error)));
    }

    private void fail(Held h, Throwable error) {
        outbox.add(new Outcome(h, "FAILED", Wire.encodeError(error)));
    }

    private Outcome outcome(Held h, Object value, Throwable error) {
        if (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        if (error == null) {
            try {
                return new Outcome(h, "SUCCEEDED", Wire.encode(value));
            } catch (IOException | RuntimeException e) {
                return new Outcome(h, "FAILED", Wire.encodeError(new ProcpoolException("the result of task "
                        + h.taskId + " cannot be sent back: " + e, e)));
            }
        }
        if (error instanceof CancellationException && (h.lost || state == State.STOPPED)) {
            return new Outcome(h, null, null); // another node has it now, or we gave up on it while stopping
        }
        String st = error instanceof TaskTimeoutException ? "TIMED_OUT" : "FAILED";
        return new Outcome(h, st, Wire.encodeError(error));
    }

    // ---- publishing results

    private void publishLoop(Jedis jedis) {
        Jedis j = jedis;
        List<Outcome> batch = new ArrayList<>();
        try {
            while (true) {
                if (batch.isEmpty()) {
                    Outcome first = outbox.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (state == State.STOPPED) {
                            break;
                        }
                        continue;
                    }
                    batch.add(first);
                    outbox.drainTo(batch, 499);
                }
                try {
                    if (j == null) {
                        j = link.connect();
                    }
                    List<byte[][]> publish = new ArrayList<>(batch.size());
                    for (Outcome o : batch) {
                        if (o.state != null) {
                            publish.add(new byte[][] {
                                b(o.task.entryId), o.task.ttl, o.task.replyKey,
                                RedisLink.F_ID, b(o.task.taskId), RedisLink.F_STATE, b(o.state),
                                RedisLink.F_VALUE, o.value == null ? new byte[0] : o.value,
                                RedisLink.F_NODE, nodeName, RedisLink.F_DELIVERIES, b(Integer.toString(o.task.deliveries))});
                        }
                    }
                    NodeScripts.ackAndPublish(j, link, publish);
                } catch (JedisException e) {
                    // acknowledging is idempotent (XACK gates the publish), so the batch is simply sent again
                    log.warn("node {}: publishing {} results to {} failed, retrying: {}", options.name(), batch.size(),
                            link, e.toString());
                    if (j != null) {
                        j.close();
                        j = null;
                    }
                    Thread.sleep(200);
                    continue;
                }
                for (Outcome o : batch) {
                    held.remove(o.task.entryId);
                    slots.release();
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            // stopping; what is not published stays pending in Redis and is taken over by another node
        } finally {
            if (j != null) {
                j.close();
            }
        }
    }

    // ---- keeping claims and taking over stalled tasks

    private void keepLoop(Jedis jedis) {
        Jedis j = jedis;
        long beat = Math.max(1, options.heartbeat().toMillis());
        try {
            while (state != State.STOPPED) {
                try {
                    if (j == null) {
                        j = link.connect();
                    }
                    List<String> ids = new ArrayList<>(held.keySet());
                    if (!ids.isEmpty()) {
                        for (String lostId : NodeScripts.refresh(j, link, consumer, ids)) {
                            Held h = held.get(lostId);
                            if (h != null) {
                                log.info("node {}: task {} was taken over by another node; dropping it here",
                                        options.name(), h.taskId);
                                h.lost = true;
                                // its one outcome is then the cancellation, which is dropped; a task not in the
                                // local pool (unreadable, dead-lettered) already has its outcome queued, and the
                                // acknowledgement decides whether it is still published
                                TaskHandle<?> handle = h.handle;
                                if (handle != null) {
                                    handle.cancel();
                                }
                            }
                        }
                    }
                } catch (JedisException e) {
                    log.warn("node {}: renewing claims on {} failed: {}", options.name(), link, e.toString());
                    if (j != null) {
                        j.close();
                        j = null;
                    }
                }
                Thread.sleep(beat);
            }
        } catch (InterruptedException e) {
            // stopping
        } finally {
            if (j != null) {
                j.close();
            }
        }
    }

    private record TakeOver(byte[] cursor, int taken) {
    }

    /** Claims up to {@code n} tasks idle past claimIdle and starts them; the caller holds {@code n} slots. */
    private TakeOver takeOver(Jedis j, byte[] cursor, int n) {
        List<?> reply = NodeScripts.claim(j, link, consumer, options.claimIdle().toMillis(), cursor, n);
        int taken = 0;
        for (Object o : reply.subList(1, reply.size())) {
            List<?> e = (List<?>) o;
            taken++;
            String entryId = s(e.get(0));
            int deliveries = ((Long) e.get(2)).intValue();
            log.info("node {}: took over entry {} (delivery {})", options.name(), entryId, deliveries);
            dev.procpool.redis.internal.ClaimEvent.emit(options.name(), options.namespace(), entryId, deliveries);
            begin(entryId, e.get(1), deliveries);
        }
        return new TakeOver((byte[]) reply.get(0), taken);
    }

    // ---- command line

    /**
     * Runs a node until SIGTERM or SIGINT. Arguments: {@code --redis URL} (required),
     * {@code --name N}, {@code --namespace NS}, {@code --workers N}, {@code --prefetch N},
     * {@code --claim-idle-ms MS}, {@code --heartbeat-ms MS}, {@code --allow PATTERN} (repeatable),
     * {@code --classpath CP} (alias {@code -cp}), {@code --tls-ca FILE}. Exit code 2 for bad arguments, 1 if the node cannot start.
     */
    public static void main(String[] args) {
        RedisNodeOptions options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("procpool redis node: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(options));
    }

    /**
     * Starts a node and blocks until it is asked to stop (SIGTERM, SIGINT), then closes it: no new
     * tasks, those held finish and are reported, then the workers stop.
     *
     * @return the exit code: 0 after a stop, 1 if the node could not start
     */
    public static int run(RedisNodeOptions options) {
        return run(options, node -> { });
    }

    /**
     * {@link #run(RedisNodeOptions)}, calling {@code started} with the node once it runs (e.g. to
     * serve its status page).
     */
    public static int run(RedisNodeOptions options, java.util.function.Consumer<RedisNode> started) {
        RedisNode node;
        try {
            node = start(options);
        } catch (RedisConnectException | WorkerStartException | RuntimeException e) {
            System.err.println("procpool redis node: " + e.getMessage());
            return 1;
        }
        // A signal handler, not a shutdown hook: once the JVM shuts down, procpool's own hook closes the
        // local workers at once, and the tasks they run would be lost instead of finished and reported.
        for (String sig : List.of("TERM", "INT")) {
            try {
                OsSignals.handle(sig, () -> new Thread(node::close, "procpool-redis-stop").start());
            } catch (IllegalArgumentException e) {
                // the JVM reserves it (e.g. under -Xrs): the default (immediate exit) applies
                log.warn("cannot handle SIG{} ({}); it stops the node without letting its tasks finish", sig,
                        e.getMessage());
            }
        }
        started.accept(node);
        // a line a supervising script (or test) can wait for
        System.out.println("procpool redis node " + node.name() + " ready");
        System.out.flush();
        try {
            node.awaitStop();
        } catch (InterruptedException e) {
            node.close();
        }
        return 0;
    }

    private static RedisNodeOptions parse(String[] args) throws IOException {
        RedisNodeOptions.Builder b = RedisNodeOptions.builder();
        for (int i = 0; i < args.length; i++) {
            String opt = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + opt);
            }
            String v = args[++i];
            switch (opt) {
                case "--redis" -> b.url(v);
                case "--name" -> b.name(v);
                case "--namespace" -> b.namespace(v);
                case "--workers" -> b.workers(Integer.parseInt(v));
                case "--prefetch" -> b.prefetch(Integer.parseInt(v));
                case "--claim-idle-ms" -> b.claimIdle(Duration.ofMillis(Long.parseLong(v)));
                case "--heartbeat-ms" -> b.heartbeat(Duration.ofMillis(Long.parseLong(v)));
                case "--allow" -> b.allowClasses(v);
                case "--classpath", "-cp" -> b.classpath(v);
                case "--tls-ca" -> b.sslContext(RedisTls.trusting(Path.of(v)));
                default -> throw new IllegalArgumentException("unknown option " + opt);
            }
        }
        return b.build();
    }
}
