package dev.procpool.redis;

import dev.procpool.WorkerOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How a {@link RedisNode} reaches Redis, how many tasks it runs, and when it takes over the tasks
 * of a node that stopped: immutable, built once.
 *
 * <p>Defaults:
 * <ul>
 *   <li>{@code url}: required, as for {@link RedisPoolOptions}; {@code sslContext}: none</li>
 *   <li>{@code namespace}: {@code "procpool"} (must match the controller's)</li>
 *   <li>{@code name}: {@code <host>-<pid>}; names the node in Redis (its consumer) and in results</li>
 *   <li>{@code workers}: the number of CPUs: the worker processes of the node's local pool</li>
 *   <li>{@code prefetch}: {@code workers}: tasks taken beyond those running, so a worker finds its
 *       next task already here (they are claimed by this node, and re-run elsewhere if it dies)</li>
 *   <li>{@code claimIdle}: 30 s: a task another node has held this long without a sign of life is
 *       taken over</li>
 *   <li>{@code heartbeat}: a third of {@code claimIdle}: how often this node renews its claims
 *       (so long tasks keep them) and looks for tasks to take over</li>
 *   <li>{@code allowedClasses}: {@code java.base/*;dev.procpool.**}: the classes tasks read from
 *       Redis may be made of, in {@link java.io.ObjectInputFilter.Config#createFilter} syntax;
 *       anything else is rejected and the task fails without running. Add your task classes'
 *       packages, e.g. {@code com.example.**}</li>
 *   <li>{@code classpath}: none: tasks are made of classes of the node's own classpath.
 *       {@link Builder#classpath} adds your application's jars: the node decodes tasks with them
 *       and its worker processes get them on their classpath (the command line's
 *       {@code --classpath}, alias {@code -cp}). Classes are never loaded from Redis: see
 *       docs/security.md</li>
 *   <li>{@code workerOptions}: {@link WorkerOptions#defaults()}</li>
 *   <li>{@code closeTimeout}: 60 s for {@link RedisNode#close()} to let its tasks finish</li>
 * </ul>
 *
 * <pre>{@code
 * RedisNode node = RedisNode.start(RedisNodeOptions.builder()
 *     .url("redis://procpool:secret@redis.example.com:6379")
 *     .workers(8)
 *     .claimIdle(Duration.ofSeconds(10))
 *     .allowClasses("com.example.jobs.**")
 *     .build());
 * }</pre>
 */
public final class RedisNodeOptions {
    private final String url;
    private final SSLContext sslContext;
    private final String namespace;
    private final String name;
    private final int workers;
    private final int prefetch;
    private final Duration claimIdle;
    private final Duration heartbeat;
    private final String allowedClasses;
    private final WorkerOptions workerOptions;
    private final Duration closeTimeout;
    private final java.util.List<java.nio.file.Path> classpath;

    private RedisNodeOptions(Builder b) {
        this.classpath = java.util.List.copyOf(b.classpath);
        this.url = b.url;
        this.sslContext = b.sslContext;
        this.namespace = b.namespace;
        this.name = b.name != null ? b.name : defaultName();
        this.workers = b.workers;
        this.prefetch = b.prefetch >= 0 ? b.prefetch : b.workers;
        this.claimIdle = b.claimIdle;
        this.heartbeat = b.heartbeat != null ? b.heartbeat : b.claimIdle.dividedBy(3);
        this.allowedClasses = b.allowedClasses;
        this.workerOptions = b.workerOptions;
        this.closeTimeout = b.closeTimeout;
    }

    private static String defaultName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "node";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The Redis URL, password included. */
    public String url() {
        return url;
    }

    /** The TLS trust, if set. */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /** The namespace of the streams. */
    public String namespace() {
        return namespace;
    }

    /** The node's name. */
    public String name() {
        return name;
    }

    /** The number of worker processes. */
    public int workers() {
        return workers;
    }

    /** Tasks taken beyond those running. */
    public int prefetch() {
        return prefetch;
    }

    /** How long a task may go unrenewed before another node takes it over. */
    public Duration claimIdle() {
        return claimIdle;
    }

    /** How often claims are renewed and stalled tasks looked for. */
    public Duration heartbeat() {
        return heartbeat;
    }

    /** The filter pattern of the classes tasks may be made of (without the final {@code !*}). */
    public String allowedClasses() {
        return allowedClasses;
    }

    /** The options of the node's worker processes. */
    public WorkerOptions workerOptions() {
        return workerOptions;
    }

    /** The classpath entries added for tasks (absolute; a {@code dir/*} entry as {@code dir/*}). */
    public java.util.List<java.nio.file.Path> classpath() {
        return classpath;
    }

    /** How long {@link RedisNode#close()} lets tasks finish. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    @Override
    public String toString() {
        return "RedisNodeOptions[url=" + dev.procpool.redis.internal.RedisLink.redact(url) + ", namespace=" + namespace
                + ", name=" + name + ", workers=" + workers + ", prefetch=" + prefetch + ", claimIdle=" + claimIdle
                + ", heartbeat=" + heartbeat + ", allowedClasses=" + allowedClasses + ", classpath=" + classpath + "]";
    }

    /** Builds {@link RedisNodeOptions}; not thread-safe. */
    public static final class Builder {
        private String url;
        private SSLContext sslContext;
        private String namespace = "procpool";
        private String name;
        private int workers = Runtime.getRuntime().availableProcessors();
        private int prefetch = -1;
        private Duration claimIdle = Duration.ofSeconds(30);
        private Duration heartbeat;
        private String allowedClasses = "java.base/*;dev.procpool.**";
        private WorkerOptions workerOptions = WorkerOptions.defaults();
        private Duration closeTimeout = Duration.ofSeconds(60);
        private final java.util.List<java.nio.file.Path> classpath = new java.util.ArrayList<>();

        private Builder() {
        }

        /**
         * Adds classpath entries (separated by {@link java.io.File#pathSeparator}, as for
         * {@code java -cp}: directories, jars, {@code dir/*} for every jar of a directory) where
         * the node finds the classes of its tasks.
         *
         * @throws IllegalArgumentException if an entry does not exist
         */
        public Builder classpath(String entries) {
            Objects.requireNonNull(entries, "entries");
            for (String e : entries.split(java.util.regex.Pattern.quote(java.io.File.pathSeparator))) {
                if (e.isBlank()) {
                    continue;
                }
                boolean all = e.endsWith("*");
                java.nio.file.Path p = java.nio.file.Path.of(all ? e.substring(0, e.length() - 1) : e)
                        .toAbsolutePath().normalize();
                if (!java.nio.file.Files.exists(p)) {
                    throw new IllegalArgumentException("classpath entry " + e + " does not exist (" + p + ")");
                }
                classpath.add(all ? p.resolve("*") : p);
            }
            return this;
        }

        /** The Redis URL (required). */
        public Builder url(String url) {
            this.url = Objects.requireNonNull(url, "url");
            return this;
        }

        /** The certificates to trust for a {@code rediss://} URL (see {@link RedisTls}). */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /** The namespace; must match the controller's. */
        public Builder namespace(String namespace) {
            this.namespace = Names.checkNamespace(namespace);
            return this;
        }

        /** The node's name, unique among the nodes of the namespace. */
        public Builder name(String name) {
            if (name == null || name.isBlank() || name.length() > 200) {
                throw new IllegalArgumentException("node name must be 1 to 200 characters: " + name);
            }
            this.name = name;
            return this;
        }

        /** The number of worker processes; at least 1. */
        public Builder workers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1: " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Tasks taken beyond those running; 0 or more. */
        public Builder prefetch(int prefetch) {
            if (prefetch < 0) {
                throw new IllegalArgumentException("prefetch must not be negative: " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /** How long a task may go without a sign of life from its node before another takes it over. */
        public Builder claimIdle(Duration claimIdle) {
            if (claimIdle.toMillis() < 1) {
                throw new IllegalArgumentException("claimIdle must be at least 1 ms: " + claimIdle);
            }
            this.claimIdle = claimIdle;
            return this;
        }

        /** How often claims are renewed and stalled tasks looked for; less than {@code claimIdle}. */
        public Builder heartbeat(Duration heartbeat) {
            if (heartbeat.toMillis() < 1) {
                throw new IllegalArgumentException("heartbeat must be at least 1 ms: " + heartbeat);
            }
            this.heartbeat = heartbeat;
            return this;
        }

        /**
         * Adds classes tasks may be made of, in {@link java.io.ObjectInputFilter.Config#createFilter}
         * syntax ({@code com.example.**}, {@code com.example.Job}, {@code module/*}).
         */
        public Builder allowClasses(String pattern) {
            if (pattern == null || pattern.isBlank() || pattern.contains("!")) {
                throw new IllegalArgumentException("allowClasses takes patterns to allow, not to reject: " + pattern);
            }
            java.io.ObjectInputFilter.Config.createFilter(pattern); // fails on bad syntax, here rather than at start
            this.allowedClasses = pattern + ";" + allowedClasses;
            return this;
        }

        /** The options of the node's worker processes. */
        public Builder workerOptions(WorkerOptions workerOptions) {
            this.workerOptions = Objects.requireNonNull(workerOptions, "workerOptions");
            return this;
        }

        /** How long {@link RedisNode#close()} lets running tasks finish. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
            return this;
        }

        /**
         * @throws IllegalArgumentException if the URL is missing or malformed, or the heartbeat is
         *     not shorter than {@code claimIdle}
         */
        public RedisNodeOptions build() {
            if (url == null) {
                throw new IllegalArgumentException("a Redis URL is required");
            }
            new dev.procpool.redis.internal.RedisLink(url, sslContext, namespace, "check"); // validates the URL
            if (heartbeat != null && heartbeat.compareTo(claimIdle) >= 0) {
                throw new IllegalArgumentException("heartbeat (" + heartbeat + ") must be shorter than claimIdle ("
                        + claimIdle + "), or other nodes take over tasks that are still running");
            }
            return new RedisNodeOptions(this);
        }
    }
}
