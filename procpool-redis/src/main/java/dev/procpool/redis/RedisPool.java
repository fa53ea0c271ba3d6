package dev.procpool.redis;

import static dev.procpool.redis.internal.RedisLink.b;
import static dev.procpool.redis.internal.RedisLink.s;

import dev.procpool.PoolStats;
import dev.procpool.ProcpoolException;
import dev.procpool.Task;
import dev.procpool.TaskNotSerializableException;
import dev.procpool.TaskState;
import dev.procpool.internal.status.PoolTelemetry;
import dev.procpool.redis.internal.RedisLink;
import dev.procpool.redis.internal.Wire;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.TaskFailure;
import java.io.IOException;
import java.io.NotSerializableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The controller side of a pool spread over many machines through Redis: puts tasks on a Redis
 * stream that {@link RedisNode}s (started with {@code procpool worker-server --redis URL}) take,
 * run in their own worker processes, and answer on a result stream.
 *
 * <pre>{@code
 * try (RedisPool pool = RedisPool.connect(RedisPoolOptions.builder().url("redis://localhost:6379").build())) {
 *     RedisTask<Integer> t = pool.submit(() -> 6 * 7);
 *     System.out.println(t.taskId() + " -> " + t.future().get(30, TimeUnit.SECONDS));
 *     // results of tasks submitted before a restart of this program:
 *     for (RedisResult r : pool.collect(100, Duration.ofSeconds(1))) { ... }
 * }
 * }</pre>
 *
 * <p><b>Delivery is at least once.</b> A node that dies or stalls has its tasks claimed by another
 * node and run again, so a task may run more than once (partly or fully); each task still has
 * exactly one reported outcome. Make the work idempotent with {@link RedisTask#taskId()}.
 *
 * <p>Several controllers may share a namespace (and its nodes) when each has its own
 * {@link RedisPoolOptions.Builder#controller name}: each collects only the results of its own
 * tasks. One controller per name at a time: a second one would take the first one's results.
 * Results are read through an allow-list ({@link RedisPoolOptions.Builder#allowClasses}), since
 * whoever can write to Redis can write a result. A result whose task this controller did not submit (a previous run of it did, before a crash or
 * restart) is kept for {@link #collect}. Results stay in Redis until a controller has reported
 * them (completed the future, or returned them from {@code collect}); a controller killed between
 * reporting and acknowledging may see a result again after its restart.
 *
 * <p>Threads: one receiver thread ({@code procpool-redis-results}) reads results and completes
 * the futures, so dependent actions run on it. All methods may be called from any thread.
 *
 * <p>Lifecycle: {@link State#OPEN} from {@link #connect} until {@link #close}, then
 * {@link State#CLOSED}: the futures not done end with {@link CancellationException}, the tasks go
 * on running on the nodes and their results wait in Redis for the next controller's {@code collect}.
 */
public final class RedisPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisPool.class);
    private static final int READ_COUNT = 1000;
    private static final int BLOCK_MS = 200;
    /** Task ids recently reported, so a result seen twice is reported once (bounded: see {@link #remember}). */
    private static final int REMEMBERED = 200_000;

    /** The lifecycle of a {@link RedisPool}. */
    public enum State {
        /** Accepting tasks and reading results. */
        OPEN,
        /** Closed: no more tasks; futures not done were cancelled. Terminal. */
        CLOSED
    }

    private final RedisPoolOptions options;
    private final RedisLink link;
    private final ClassLoader loader;
    private final byte[] resultsKey;
    private final byte[] controllerName;
    private final dev.procpool.JdkCodec resultCodec;
    private final String resultPattern;
    private final byte[] maxDeliveries;
    private final byte[] ttl;
    private final Map<String, Handle<?>> waiting = new ConcurrentHashMap<>();
    private final Thread receiver;

    // guarded by `this`: the connection tasks are sent and acknowledgements made on
    private Jedis sender;

    // guarded by `orphans`: results of tasks this controller did not submit, by task id, with their entry ids
    private final LinkedHashMap<String, Orphan> orphans = new LinkedHashMap<>();
    // guarded by `orphans`
    private final LinkedHashMap<String, Boolean> reported = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    private volatile State state = State.OPEN;

    /** Throughput and recent failures for {@link #status}; it knows tasks by {@link Handle#seq}. */
    private final PoolTelemetry telemetry;
    private final AtomicLong submitted = new AtomicLong();
    /** Results read of tasks an earlier run submitted: they are numbered -1, -2, ... in the status. */
    private final AtomicLong earlier = new AtomicLong();
    // guarded by `outcomes`: results reported (futures completed or kept for collect), by outcome; and retries
    private final long[] outcomes = new long[TaskState.values().length];
    private long retried;
    // guarded by `outcomes`: the Redis task id of the recent failures, by their number in the telemetry
    private final LinkedHashMap<Long, String> failedIds = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > PoolStatus.FAILURES_KEPT;
        }
    };

    private record Orphan(byte[] entryId, RedisResult result) {
    }

    private RedisPool(RedisPoolOptions options) throws RedisConnectException {
        this.options = options;
        this.link = new RedisLink(options.url(), options.sslContext().orElse(null), options.namespace(), "procpool-controller");
        this.loader = Objects.requireNonNullElse(Thread.currentThread().getContextClassLoader(), RedisPool.class.getClassLoader());
        this.resultsKey = link.resultsKey(options.controller());
        this.controllerName = b(options.controller());
        this.resultPattern = options.allowedClasses() + ";!*";
        this.resultCodec = new dev.procpool.JdkCodec(dev.procpool.internal.AllowList.naming(resultPattern));
        this.maxDeliveries = b(Integer.toString(options.maxDeliveries()));
        this.ttl = b(Long.toString(options.resultTtl().toMillis()));
        this.telemetry = new PoolTelemetry(options.namespace(), "redis-controller");
        Jedis reader;
        try {
            sender = link.connect();
            link.ensureGroup(sender, link.tasksKey(), RedisLink.NODES_GROUP);
            link.ensureGroup(sender, resultsKey, RedisLink.CONTROLLER_GROUP);
            reader = link.connect();
        } catch (JedisException e) {
            if (sender != null) {
                sender.close();
            }
            throw new RedisConnectException("cannot use Redis at " + link + ": " + e.getMessage(), e);
        }
        receiver = new Thread(() -> receive(reader), "procpool-redis-results");
        receiver.setDaemon(true);
        receiver.start();
    }

    /**
     * Connects to Redis and starts reading results, including those produced while no controller
     * was connected.
     *
     * @throws RedisConnectException if Redis cannot be reached or refuses the login
     */
    public static RedisPool connect(RedisPoolOptions options) throws RedisConnectException {
        return new RedisPool(Objects.requireNonNull(options, "options"));
    }

    /** Submits a task with no timeout. See {@link #submit(Task, Duration)}. */
    public <R> RedisTask<R> submit(Task<R> task) {
        return submitAll(List.of(task), null).get(0);
    }

    /**
     * Puts a task on the stream; when this returns the task is in Redis and survives this JVM.
     *
     * @param timeout how long the task may run on a node before its worker is killed and it ends
     *     with {@link dev.procpool.TaskTimeoutException}; null for none
     * @throws TaskNotSerializableException if the task cannot be encoded (nothing is sent)
     * @throws IllegalStateException if the pool is closed
     * @throws ProcpoolException if Redis cannot be reached
     */
    public <R> RedisTask<R> submit(Task<R> task, Duration timeout) {
        return submitAll(List.of(task), timeout).get(0);
    }

    /**
     * Submits several tasks in one round trip per thousand: much faster than one {@code submit}
     * each. The tasks are in Redis when this returns; the handles are in the same order.
     */
    public <R> List<RedisTask<R>> submitAll(Collection<? extends Task<R>> tasks, Duration timeout) {
        byte[] timeoutMs = b(timeout == null ? "0" : Long.toString(Math.max(1, timeout.toMillis())));
        List<byte[]> encoded = new ArrayList<>(tasks.size());
        for (Task<R> task : tasks) {
            Objects.requireNonNull(task, "task");
            try {
                encoded.add(Wire.encode(task));
            } catch (NotSerializableException e) {
                throw new TaskNotSerializableException("task", e.getMessage(), e);
            } catch (IOException e) {
                throw new TaskNotSerializableException("task", task.getClass().getName(), e);
            }
        }
        List<RedisTask<R>> handles = new ArrayList<>(encoded.size());
        List<byte[][]> commands = new ArrayList<>(encoded.size());
        for (byte[] bytes : encoded) {
            Handle<R> h = new Handle<>(UUID.randomUUID().toString(), submitted.incrementAndGet());
            handles.add(h);
            commands.add(new byte[][] {link.tasksKey(), b("*"), RedisLink.F_ID, b(h.taskId), RedisLink.F_TASK, bytes,
                    RedisLink.F_TIMEOUT, timeoutMs, RedisLink.F_MAX, maxDeliveries, RedisLink.F_TTL, ttl,
                    RedisLink.F_REPLY, controllerName});
        }
        synchronized (this) {
            if (state != State.OPEN) {
                throw new IllegalStateException("the Redis pool is closed");
            }
            for (RedisTask<R> h : handles) {
                waiting.put(h.taskId(), (Handle<?>) h);
                telemetry.taskQueued(((Handle<?>) h).seq);
            }
            try {
                sendAll(commands);
            } catch (JedisException e) {
                for (RedisTask<R> h : handles) {
                    waiting.remove(h.taskId());
                }
                throw new ProcpoolException("cannot put tasks on Redis at " + link + ": " + e.getMessage(), e);
            }
        }
        return handles;
    }

    /** XADDs in pipelined chunks; reconnects once if the connection broke (a task may then be in Redis twice, reported once). */
    private void sendAll(List<byte[][]> commands) {
        for (int attempt = 0; ; attempt++) {
            try {
                for (int from = 0; from < commands.size(); from += 1000) {
                    Pipeline p = sender.pipelined();
                    for (byte[][] c : commands.subList(from, Math.min(commands.size(), from + 1000))) {
                        p.sendCommand(Command.XADD, c);
                    }
                    p.sync();
                }
                return;
            } catch (JedisConnectionException e) {
                sender.close();
                sender = link.connect();
                link.ensureGroup(sender, link.tasksKey(), RedisLink.NODES_GROUP);
                if (attempt > 0) {
                    throw e;
                }
            }
        }
    }

    /**
     * Takes results of tasks this controller did not submit (a previous run of it did), waiting up
     * to {@code wait} for the first one. They are removed from Redis as they are returned.
     *
     * @param max at most this many
     * @return in the order they were read; empty if none came within {@code wait}
     */
    public List<RedisResult> collect(int max, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        List<Orphan> taken = new ArrayList<>();
        synchronized (orphans) {
            while (orphans.isEmpty() && state == State.OPEN) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                orphans.wait(Math.max(1, left / 1_000_000));
            }
            var it = orphans.values().iterator();
            while (it.hasNext() && taken.size() < max) {
                taken.add(it.next());
                it.remove();
            }
        }
        if (!taken.isEmpty()) {
            List<byte[]> ids = new ArrayList<>();
            for (Orphan o : taken) {
                ids.add(o.entryId);
            }
            synchronized (this) {
                try {
                    acknowledge(sender, ids);
                } catch (JedisException e) {
                    // the results stay pending in Redis: the next controller sees them again (at least once)
                    log.warn("could not acknowledge {} collected results on {}: {}", ids.size(), link, e.toString());
                }
            }
        }
        List<RedisResult> out = new ArrayList<>(taken.size());
        for (Orphan o : taken) {
            out.add(o.result);
        }
        return out;
    }

    /** How many submitted tasks have no outcome yet. */
    public int pending() {
        return waiting.size();
    }

    /**
     * What this controller and its namespace look like now: {@code queued} is the number of tasks
     * on the stream that no node has taken yet, {@code running} the number taken by a node and not
     * yet answered (Redis's own counts: {@code XLEN} and {@code XPENDING} of the task stream, so
     * they include tasks submitted by an earlier run of the controller); {@code submitted} and the
     * outcomes count what this controller sent and received (results of an earlier run's tasks
     * count as they are read); {@code retried} counts the extra deliveries of those results. The
     * recent failures carry the number of the task in this controller's submission order (1 for
     * the first; negative for an earlier run's task) as their id, and the Redis task id ({@link RedisTask#taskId()}) at the start of
     * their summary. Workers are the nodes' business: ask a node ({@link RedisNode#status()}).
     *
     * <pre>{@code
     * StatusServer.builder().source(pool::status).start();
     * }</pre>
     *
     * @throws ProcpoolException if Redis cannot be reached (after {@link #close}, the Redis counts
     *     are 0 and nothing is asked)
     */
    public PoolStatus status() {
        long onStream = 0;
        long taken = 0;
        synchronized (this) {
            if (state == State.OPEN) {
                try {
                    onStream = (Long) sender.sendCommand(Command.XLEN, link.tasksKey());
                    Object summary = sender.sendCommand(Command.XPENDING, link.tasksKey(), RedisLink.NODES_GROUP);
                    taken = summary instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Long n ? n : 0;
                } catch (JedisException e) {
                    throw new ProcpoolException("cannot read the task stream's state on Redis at " + link + ": "
                            + e.getMessage(), e);
                }
            }
        }
        long[] ended;
        long retries;
        Map<Long, String> ids;
        synchronized (outcomes) {
            ended = outcomes.clone();
            retries = retried;
            ids = new LinkedHashMap<>(failedIds);
        }
        long queued = Math.max(0, onStream - taken);
        PoolStats totals = new PoolStats(submitted.get(), queued, taken, ended[TaskState.SUCCEEDED.ordinal()],
                ended[TaskState.FAILED.ordinal()], ended[TaskState.TIMED_OUT.ordinal()],
                ended[TaskState.CANCELLED.ordinal()], retries, 0, 0, 0, 0);
        PoolStatus local = telemetry.snapshot(totals);
        List<TaskFailure> failures = new ArrayList<>();
        for (TaskFailure f : local.recentFailures()) {
            String id = ids.get(f.taskId());
            failures.add(id == null ? f : new TaskFailure(f.taskId(), f.worker(), f.at(), f.outcome(),
                    "task " + id + ": " + f.summary(), f.stackTrace()));
        }
        return new PoolStatus(options.namespace(), "redis-controller", Instant.now(), queued, totals, List.of(), failures,
                local.throughput());
    }

    /** The current state. */
    public State state() {
        return state;
    }

    /** Stops reading results and cancels the futures not done; the tasks stay in Redis. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
        }
        receiver.interrupt();
        try {
            receiver.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (orphans) {
            orphans.notifyAll();
        }
        for (Handle<?> h : waiting.values()) {
            h.future.completeExceptionally(new CancellationException("the Redis pool was closed before task " + h.taskId
                    + " ended; a later controller can collect its result"));
        }
        waiting.clear();
        synchronized (this) {
            sender.close();
        }
    }

    @Override
    public String toString() {
        int orphanCount;
        synchronized (orphans) {
            orphanCount = orphans.size();
        }
        return "RedisPool[" + link + ", namespace=" + options.namespace() + ", " + state + ", pending=" + waiting.size()
                + ", uncollected=" + orphanCount + "]";
    }

    // ---- the receiver thread

    private void receive(Jedis jedis) {
        // first what a previous run of this controller read and never acknowledged, then new results
        byte[] from = b("0");
        long backoff = 50;
        try {
            while (state == State.OPEN) {
                try {
                    if (jedis == null) {
                        jedis = link.connect();
                        // after a restart of Redis without persistence the group is gone: make it again
                        link.ensureGroup(jedis, resultsKey, RedisLink.CONTROLLER_GROUP);
                        from = b("0");
                    }
                    Object reply = jedis.sendCommand(Command.XREADGROUP, b("GROUP"), RedisLink.CONTROLLER_GROUP,
                            RedisLink.CONTROLLER, b("COUNT"), b(Integer.toString(READ_COUNT)), b("BLOCK"),
                            b(Integer.toString(BLOCK_MS)), b("STREAMS"), resultsKey, from);
                    List<?> entries = entriesOf(reply);
                    if (from[0] == '0' && entries.isEmpty()) {
                        from = b(">");
                        continue;
                    }
                    List<byte[]> ack = new ArrayList<>(entries.size());
                    for (Object e : entries) {
                        List<?> entry = (List<?>) e;
                        byte[] entryId = (byte[]) entry.get(0);
                        if (from[0] != '>') {
                            from = entryId;
                        }
                        if (handle(entryId, entry.get(1))) {
                            ack.add(entryId);
                        }
                    }
                    if (!ack.isEmpty()) {
                        acknowledge(jedis, ack);
                    }
                    backoff = 50;
                } catch (JedisException e) {
                    if (state != State.OPEN) {
                        break;
                    }
                    log.warn("reading results from {} failed, retrying in {} ms: {}", link, backoff, e.toString());
                    if (jedis != null) {
                        jedis.close();
                        jedis = null;
                    }
                    Thread.sleep(backoff);
                    backoff = Math.min(2_000, backoff * 2);
                }
            }
        } catch (InterruptedException e) {
            // closing
        } finally {
            if (jedis != null) {
                jedis.close();
            }
        }
    }

    /** The entries of a one-stream XREADGROUP reply, empty for none. */
    private static List<?> entriesOf(Object reply) {
        if (!(reply instanceof List<?> streams) || streams.isEmpty()) {
            return List.of();
        }
        return (List<?>) ((List<?>) streams.get(0)).get(1);
    }

    /** Reports one result; returns whether it can be acknowledged now (false: kept for {@link #collect}). */
    private boolean handle(byte[] entryId, Object rawFields) {
        if (rawFields == null) {
            return true; // trimmed past its TTL while pending
        }
        Map<String, byte[]> f = RedisLink.fields(rawFields);
        String taskId = s(f.get("id"));
        if (taskId == null) {
            return true;
        }
        synchronized (orphans) {
            if (orphans.containsKey(taskId)) {
                return false; // read again after a reconnect: it is acknowledged when collected
            }
            if (reported.containsKey(taskId)) {
                return true; // a duplicate (at-least-once): report once
            }
            remember(taskId);
        }
        RedisResult result = toResult(taskId, f);
        Handle<?> h = waiting.remove(taskId);
        recordOutcome(h == null ? -earlier.incrementAndGet() : h.seq, result);
        if (h == null) {
            synchronized (orphans) {
                orphans.put(taskId, new Orphan(entryId, result));
                orphans.notifyAll();
            }
            return false;
        }
        h.complete(result);
        return true;
    }

    /** Counts a result for {@link #status}; {@code seq} negative for a task an earlier run submitted. */
    private void recordOutcome(long seq, RedisResult r) {
        boolean failure = r.state() == TaskState.FAILED || r.state() == TaskState.TIMED_OUT;
        synchronized (outcomes) {
            outcomes[r.state().ordinal()]++;
            retried += Math.max(0, r.deliveries() - 1);
            if (failure) {
                failedIds.put(seq, r.taskId());
            }
        }
        telemetry.taskEnded(seq, r.state(), r.errorOrNull());
    }

    /** Called with the `orphans` lock held. */
    private void remember(String taskId) {
        reported.put(taskId, Boolean.TRUE);
    }

    private RedisResult toResult(String taskId, Map<String, byte[]> f) {
        String stateName = Objects.requireNonNullElse(s(f.get("state")), "FAILED");
        String node = Objects.requireNonNullElse(s(f.get("node")), "?");
        int deliveries = f.get("deliveries") == null ? 1 : Integer.parseInt(s(f.get("deliveries")));
        Object value = null;
        Throwable error = null;
        TaskState st;
        try {
            if ("DEAD_LETTER".equals(stateName)) {
                st = TaskState.FAILED;
                error = new DeadLetterException(taskId, deliveries, node);
            } else {
                st = TaskState.valueOf(stateName);
                Object decoded = f.get("value") == null ? null : decodeResult(f.get("value"));
                if (st == TaskState.SUCCEEDED) {
                    value = decoded;
                } else {
                    error = decoded instanceof Throwable t ? t
                            : new ProcpoolException("task " + taskId + " ended " + stateName + " on node " + node);
                }
            }
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            st = TaskState.FAILED;
            error = new ProcpoolException("the result of task " + taskId + " from node " + node
                    + " cannot be read here: " + e, e);
        }
        return new RedisResult(taskId, st, value, error, node, deliveries);
    }

    /** Decodes a result or error through the allow-list; a refusal names the class and the option. */
    private Object decodeResult(byte[] bytes) throws IOException, ClassNotFoundException {
        dev.procpool.internal.AllowList.clear();
        try {
            return resultCodec.decode(new java.io.ByteArrayInputStream(bytes), loader);
        } catch (java.io.InvalidClassException e) {
            String why = dev.procpool.internal.AllowList.explain(e, "this Redis controller",
                    "RedisPoolOptions.builder().allowClasses(\"%s\")", resultPattern);
            if (why == null) {
                throw e;
            }
            java.io.InvalidClassException named = new java.io.InvalidClassException(why);
            named.initCause(e);
            throw named;
        }
    }

    private void acknowledge(Jedis jedis, List<byte[]> entryIds) {
        List<byte[]> args = new ArrayList<>(entryIds.size() + 2);
        args.add(resultsKey);
        args.add(RedisLink.CONTROLLER_GROUP);
        args.addAll(entryIds);
        Pipeline p = jedis.pipelined();
        p.sendCommand(Command.XACK, args.toArray(new byte[0][]));
        args.remove(1);
        p.sendCommand(Command.XDEL, args.toArray(new byte[0][]));
        p.sync();
    }

    private static final class Handle<R> implements RedisTask<R> {
        final String taskId;
        /** Its number in this controller's submission order, from 1: how the status's telemetry knows it. */
        final long seq;
        final CompletableFuture<R> future = new CompletableFuture<>();

        Handle(String taskId, long seq) {
            this.taskId = taskId;
            this.seq = seq;
        }

        @Override
        public String taskId() {
            return taskId;
        }

        @Override
        public CompletableFuture<R> future() {
            return future;
        }

        @SuppressWarnings("unchecked")
        void complete(RedisResult r) {
            if (r.state() == TaskState.SUCCEEDED) {
                future.complete((R) r.value());
            } else {
                future.completeExceptionally(r.errorOrNull());
            }
        }

        @Override
        public String toString() {
            return "RedisTask[" + taskId + (future.isDone() ? ", done" : "") + "]";
        }
    }
}
