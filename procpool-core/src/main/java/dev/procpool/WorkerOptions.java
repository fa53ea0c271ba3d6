package dev.procpool;

import dev.procpool.logs.LogSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.event.Level;

/**
 * How a worker is started and stopped: an immutable value built once and shared freely; a running
 * worker never sees later changes to a builder. Options about the JVM apply to process workers
 * only; thread workers ignore them.
 *
 * <p>Defaults:
 * <ul>
 *   <li>{@code name}: the kind and id, e.g. {@code process-3}</li>
 *   <li>{@code javaExecutable}: {@code bin/java} of the controller's own {@code java.home}</li>
 *   <li>{@code classpath}: the controller's {@code java.class.path}, plus procpool-core's own
 *       location if it is not on it. When the controller runs under another class loader
 *       ({@code mvn exec:java}, an IDE or Gradle runner), the {@code file:} locations of the
 *       URL class loaders that load the task (the thread's context class loader) come first.
 *       A Spring Boot fat jar's nested jars cannot be named on a command line: extract the jar
 *       and give its classpath here; a class the worker lacks fails the task with a message
 *       naming it and the worker's classpath</li>
 *   <li>{@code jvmArgs}: {@code -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError
 *       -XX:+DisplayVMOutputToStderr} (a small, quick child; a worker that runs out of heap exits,
 *       reported with its stderr, instead of going on in a broken state), then the user's
 *       arguments, which win</li>
 *   <li>{@code maxHeap}: the JVM's default; {@code systemProperties}: none</li>
 *   <li>{@code environment}: the controller's, with the given variables added or replaced</li>
 *   <li>{@code workingDirectory}: the controller's</li>
 *   <li>{@code codec}: {@link JdkCodec}</li>
 *   <li>{@code output}: {@link OutputHandler#prefixed()}</li>
 *   <li>{@code captureLogs}: on: a process worker's SLF4J events at {@code logLevel} ({@code INFO})
 *       and above go to {@code logSink} ({@link LogSink#slf4j()}: re-emitted through the
 *       controller's SLF4J, worker name in the MDC), whatever binding the child's classpath has</li>
 *   <li>{@code grace}: 2 s, between each step of the stop escalation in {@link Worker#close()}</li>
 *   <li>{@code closeTimeout}: 60 s, how long {@link Worker#close()} lets queued work finish</li>
 *   <li>{@code startTimeout}: 30 s, how long a child JVM may take to connect back</li>
 *   <li>{@code heartbeatInterval}: 2 s; {@code heartbeatTimeout}: 30 s, after which a child that
 *       sends nothing (e.g. stopped with SIGSTOP) is killed and reported dead; zero disables</li>
 *   <li>{@code classDataSharing}: on, when the classpath is all jars (faster child start-up)</li>
 * </ul>
 *
 * <pre>{@code
 * WorkerOptions options = WorkerOptions.builder()
 *     .name("resize-1")
 *     .maxHeap("256m")
 *     .systemProperty("app.mode", "batch")
 *     .environment("TZ", "UTC")
 *     .workingDirectory(Path.of("/tmp"))
 *     .build();
 * Worker<String> w = Workers.start(WorkerType.PROCESS, () -> System.getenv("TZ"), options);
 * }</pre>
 */
public final class WorkerOptions {
    private static final WorkerOptions DEFAULTS = builder().build();

    private final String name;
    private final Path javaExecutable;
    private final List<String> classpath;
    private final List<String> jvmArgs;
    private final String maxHeap;
    private final Map<String, String> systemProperties;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final Codec codec;
    private final OutputHandler output;
    private final Duration grace;
    private final Duration closeTimeout;
    private final Duration startTimeout;
    private final Duration heartbeatInterval;
    private final Duration heartbeatTimeout;
    private final boolean classDataSharing;
    // Kept as null (meaning LogSink.slf4j()) and a level name, so that building options loads no
    // SLF4J class: a worker JVM whose classpath lacks slf4j-api may build options too.
    private final LogSink logSink;
    private final String logLevel;
    private final boolean captureLogs;
    private final dev.procpool.remote.RemoteOptions remote;
    private final Object initialState;
    private final String remoteContext;

    private WorkerOptions(Builder b) {
        this.name = b.name;
        this.javaExecutable = b.javaExecutable;
        this.classpath = b.classpath == null ? null : List.copyOf(b.classpath);
        this.jvmArgs = List.copyOf(b.jvmArgs);
        this.maxHeap = b.maxHeap;
        this.systemProperties = Map.copyOf(b.systemProperties);
        this.environment = Map.copyOf(b.environment);
        this.workingDirectory = b.workingDirectory;
        this.codec = b.codec;
        this.output = b.output;
        this.grace = b.grace;
        this.closeTimeout = b.closeTimeout;
        this.startTimeout = b.startTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.heartbeatTimeout = b.heartbeatTimeout;
        this.classDataSharing = b.classDataSharing;
        this.logSink = b.logSink;
        this.logLevel = b.logLevel;
        this.captureLogs = b.captureLogs;
        this.remote = b.remote;
        this.initialState = b.initialState;
        this.remoteContext = b.remoteContext;
    }

    /** The options with every default. */
    public static WorkerOptions defaults() {
        return DEFAULTS;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.javaExecutable = javaExecutable;
        b.classpath = classpath == null ? null : new ArrayList<>(classpath);
        b.jvmArgs.addAll(jvmArgs);
        b.maxHeap = maxHeap;
        b.systemProperties.putAll(systemProperties);
        b.environment.putAll(environment);
        b.workingDirectory = workingDirectory;
        b.codec = codec;
        b.output = output;
        b.grace = grace;
        b.closeTimeout = closeTimeout;
        b.startTimeout = startTimeout;
        b.heartbeatInterval = heartbeatInterval;
        b.heartbeatTimeout = heartbeatTimeout;
        b.classDataSharing = classDataSharing;
        b.logSink = logSink;
        b.logLevel = logLevel;
        b.captureLogs = captureLogs;
        b.remote = remote;
        b.initialState = initialState;
        b.remoteContext = remoteContext;
        return b;
    }

    /** The worker's name, if one was given. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** The java executable for process workers. */
    public Path javaExecutable() {
        return javaExecutable;
    }

    /** The child's classpath entries, if set explicitly. */
    public Optional<List<String>> classpath() {
        return Optional.ofNullable(classpath);
    }

    /** Extra JVM arguments, after procpool's defaults. */
    public List<String> jvmArgs() {
        return jvmArgs;
    }

    /** The {@code -Xmx} value, if set. */
    public Optional<String> maxHeap() {
        return Optional.ofNullable(maxHeap);
    }

    /** System properties set on the child's command line. */
    public Map<String, String> systemProperties() {
        return systemProperties;
    }

    /** Environment variables added to (or replacing in) the controller's environment. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The child's working directory, if set. */
    public Optional<Path> workingDirectory() {
        return Optional.ofNullable(workingDirectory);
    }

    /** The codec for values crossing to a process worker. */
    public Codec codec() {
        return codec;
    }

    /** Where a process worker's output lines go. */
    public OutputHandler output() {
        return output;
    }

    /** The wait between the steps of the stop escalation used by {@link Worker#close()}. */
    public Duration grace() {
        return grace;
    }

    /** How long {@link Worker#close()} lets queued work finish before terminating. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** How long a child JVM may take to start and connect back. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** How often the controller pings a child; zero disables heartbeats. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** How long a child may stay silent before it is declared dead; zero disables the check. */
    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    /** Whether child JVMs share an archive of their loaded classes (see the builder). */
    public boolean classDataSharing() {
        return classDataSharing;
    }

    /** Where a process worker's SLF4J events go. */
    public LogSink logSink() {
        return logSink == null ? LogSink.slf4j() : logSink;
    }

    /** The lowest level of a process worker's SLF4J events that is sent to the controller. */
    public Level logLevel() {
        return Level.valueOf(logLevel);
    }

    /** Whether a process worker's SLF4J events are sent to the controller (see the builder). */
    public boolean captureLogs() {
        return captureLogs;
    }

    /** Where a {@link WorkerType#REMOTE} worker runs; required for that kind, ignored by others. */
    public java.util.Optional<dev.procpool.remote.RemoteOptions> remote() {
        return Optional.ofNullable(remote);
    }

    /**
     * The worker state a worker starts with ({@link Builder#initialState}), if one was given.
     * For a thread worker it is this very object.
     */
    public Optional<Object> initialState() {
        return Optional.ofNullable(initialState);
    }

    /** The id of the remote context a {@link WorkerType#REMOTE} worker starts in, if any. */
    public Optional<String> remoteContext() {
        return Optional.ofNullable(remoteContext);
    }

    @Override
    public String toString() {
        return "WorkerOptions{name=" + name + ", java=" + javaExecutable + ", jvmArgs=" + jvmArgs
                + ", maxHeap=" + maxHeap + ", systemProperties=" + systemProperties.keySet()
                + ", environment=" + environment.keySet() + ", workingDirectory=" + workingDirectory
                + ", codec=" + codec.getClass().getName() + ", grace=" + grace + ", closeTimeout=" + closeTimeout
                + ", startTimeout=" + startTimeout + ", heartbeat=" + heartbeatInterval + "/" + heartbeatTimeout
                + ", classDataSharing=" + classDataSharing + ", logs=" + (captureLogs ? logLevel + "->" + (logSink == null ? "slf4j" : logSink) : "child's own")
                + (remote == null ? "" : ", remote=" + remote)
                + (initialState == null ? "" : ", initialState=" + initialState.getClass().getName())
                + (remoteContext == null ? "" : ", remoteContext=" + remoteContext) + "}";
    }

    /** Builds {@link WorkerOptions}. Not thread-safe; {@link #build()} takes a snapshot. */
    public static final class Builder {
        private String name;
        private Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        private List<String> classpath;
        private final List<String> jvmArgs = new ArrayList<>();
        private String maxHeap;
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path workingDirectory;
        private Codec codec = new JdkCodec();
        private OutputHandler output = OutputHandler.prefixed();
        private Duration grace = Duration.ofSeconds(2);
        private Duration closeTimeout = Duration.ofSeconds(60);
        private Duration startTimeout = Duration.ofSeconds(30);
        private Duration heartbeatInterval = Duration.ofSeconds(2);
        private Duration heartbeatTimeout = Duration.ofSeconds(30);
        private boolean classDataSharing = true;
        private LogSink logSink;
        private String logLevel = "INFO";
        private boolean captureLogs = true;
        private Object initialState;
        private String remoteContext;
        private dev.procpool.remote.RemoteOptions remote;

        private Builder() {
        }

        /** The worker's name: shown in logs, output prefixes, errors, and on the child's {@code ps} line. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank() || name.chars().anyMatch(c -> c < 0x20)) {
                throw new IllegalArgumentException("worker name must be non-blank printable text: '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** The java executable that runs process workers. */
        public Builder javaExecutable(Path javaExecutable) {
            this.javaExecutable = Objects.requireNonNull(javaExecutable, "javaExecutable");
            return this;
        }

        /**
         * The child's classpath, replacing the controller's; procpool-core is added if missing.
         * For a controller whose classes are not on {@code java.class.path} and not in a
         * {@code URLClassLoader} either, e.g. {@code classpath(List.of("app.jar", "lib/*"))}.
         */
        public Builder classpath(List<String> entries) {
            this.classpath = new ArrayList<>(Objects.requireNonNull(entries, "entries"));
            return this;
        }

        /** Appends JVM arguments (e.g. {@code -XX:+UseG1GC}, {@code -javaagent:...}). */
        public Builder jvmArgs(String... args) {
            for (String a : args) {
                jvmArgs.add(Objects.requireNonNull(a, "jvm argument"));
            }
            return this;
        }

        /** The child's maximum heap, as for {@code -Xmx} (e.g. {@code "256m"}). */
        public Builder maxHeap(String size) {
            if (!size.matches("\\d+[kKmMgGtT]?")) {
                throw new IllegalArgumentException("max heap must look like 512m, 2g or 1048576: '" + size + "'");
            }
            this.maxHeap = size;
            return this;
        }

        /** Sets a system property on the child's command line. */
        public Builder systemProperty(String key, String value) {
            if (key.isEmpty()) {
                throw new IllegalArgumentException("system property name must not be empty");
            }
            systemProperties.put(key, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds or replaces an environment variable of the child. */
        public Builder environment(String key, String value) {
            if (key.isEmpty() || key.indexOf('=') >= 0) {
                throw new IllegalArgumentException("bad environment variable name: '" + key + "'");
            }
            environment.put(key, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The child's working directory; it must exist when the worker starts. */
        public Builder workingDirectory(Path dir) {
            this.workingDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The codec for values crossing to a process worker. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Where a process worker's output lines go. */
        public Builder output(OutputHandler output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        /** The wait between the stop steps used by {@link Worker#close()}. */
        public Builder grace(Duration grace) {
            this.grace = nonNegative(grace, "grace");
            return this;
        }

        /** How long {@link Worker#close()} lets queued work finish. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = nonNegative(timeout, "closeTimeout");
            return this;
        }

        /** How long a child JVM may take to connect back. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = positive(timeout, "startTimeout");
            return this;
        }

        /**
         * Heartbeats: the controller pings every {@code interval}; a child that sends nothing for
         * {@code timeout} is killed and reported dead. {@link Duration#ZERO} for either disables them.
         */
        public Builder heartbeat(Duration interval, Duration timeout) {
            this.heartbeatInterval = nonNegative(interval, "heartbeat interval");
            this.heartbeatTimeout = nonNegative(timeout, "heartbeat timeout");
            if (!interval.isZero() && !timeout.isZero() && timeout.compareTo(interval) <= 0) {
                throw new IllegalArgumentException("heartbeat timeout " + timeout + " must exceed the interval " + interval);
            }
            return this;
        }

        /**
         * Whether child JVMs share an archive of the classes they load (application class data
         * sharing), which cuts a worker's start-up. On by default; it applies when every classpath
         * entry is a jar and the child runs this JVM's own java. The first worker of a given java,
         * classpath and JVM arguments records what it loads as it exits (which makes that one exit
         * slower); later ones map the archive. On JDK 25 and later the archive is an AOT cache
         * ({@code -XX:AOTCache}), assembled from that record by a short background JVM run in
         * this JVM; on older JDKs a dynamic CDS archive. Archives live under
         * {@code ~/.cache/procpool/cds}.
         */
        public Builder classDataSharing(boolean enabled) {
            this.classDataSharing = enabled;
            return this;
        }

        /**
         * Where a process worker's SLF4J events go; called on the worker's I/O thread in the
         * order they were logged (see {@link LogSink}). Default {@link LogSink#slf4j()}.
         */
        public Builder logSink(LogSink sink) {
            this.logSink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Sends everything a process worker says to {@code sink}: its SLF4J events
         * ({@link #logSink}) and its stdout and stderr lines ({@link #output}, through
         * {@link LogSink#asOutputHandler()}).
         */
        public Builder logsTo(LogSink sink) {
            logSink(sink);
            return output(sink.asOutputHandler());
        }

        /**
         * The lowest level a process worker sends to the controller (default {@code INFO}); the
         * worker's loggers report the levels below as disabled, so they cost nothing there.
         */
        public Builder logLevel(Level level) {
            this.logLevel = Objects.requireNonNull(level, "level").name();
            return this;
        }

        /**
         * Whether a process worker's SLF4J events are sent to the controller (default true). The
         * child is started with {@code -Dslf4j.provider=} naming procpool's worker-side provider,
         * which overrides any binding on its classpath (slf4j-api 2.0.9 or later; an older
         * slf4j-api in the worker ignores it). With false, the child logs through whatever its
         * classpath provides, and a console appender's lines arrive as output lines.
         */
        public Builder captureLogs(boolean capture) {
            this.captureLogs = capture;
            return this;
        }

        /**
         * The worker-server a {@link WorkerType#REMOTE} worker runs on. The JVM settings of these
         * options (heap, JVM arguments, system properties) apply to the remote worker process;
         * its java, classpath, environment and working directory are the server's.
         */
        public Builder remote(dev.procpool.remote.RemoteOptions remote) {
            this.remote = Objects.requireNonNull(remote, "remote");
            return this;
        }

        /**
         * The worker's state when it starts: a value its tasks read and replace through
         * {@link WorkerContext#userState()} and {@link WorkerContext#setUserState}, and that the
         * controller reads back from {@link Worker#userState()}. A thread worker's tasks get this
         * very object; a process or remote worker gets a copy made with the worker's codec, and
         * sends its state back after every call. {@link Worker#restart()} starts again from this
         * value (for a thread worker: this same object, with whatever changes its tasks made to it;
         * give an immutable value, or replace it with {@code setUserState}, to start afresh). In
         * a {@link Pool}, each worker starts with it (a replacement too) and
         * {@link PooledWorker#userState()} reads it. {@code null} (the default) means no state.
         *
         * <pre>{@code
         * WorkerOptions.builder().initialState(new ArrayList<String>()).build();
         * }</pre>
         */
        public Builder initialState(Object state) {
            this.initialState = state;
            return this;
        }

        /**
         * Starts a {@link WorkerType#REMOTE} worker inside the remote context with this id (see
         * {@link dev.procpool.remote.RemoteContext}): when the context ends, the worker is
         * terminated. The context must be open on the server of {@link #remote}.
         */
        public Builder remoteContext(String contextId) {
            this.remoteContext = Objects.requireNonNull(contextId, "contextId");
            return this;
        }

        /** Takes an immutable snapshot. */
        public WorkerOptions build() {
            return new WorkerOptions(this);
        }

        private static Duration nonNegative(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative: " + d);
            }
            return d;
        }

        private static Duration positive(Duration d, String what) {
            nonNegative(d, what);
            if (d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }
    }
}
