package dev.procpool.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An external command to run in a {@link JobPool} (PyExPool's {@code Job}): immutable, built once.
 *
 * <p>Defaults: named after its program; the controller's working directory and environment; no
 * timeout; on timeout the job is killed and ends {@link JobStatus#TIMED_OUT} (no restart); no start
 * delay; no callbacks; no params; stdout and stderr {@link Output#inherit() inherited}; no group.
 * stdin is always {@code /dev/null}.
 *
 * <pre>{@code
 * Job job = Job.builder("ls", "-la")
 *     .name("list_dir")
 *     .workingDirectory(Path.of("data"))
 *     .timeout(Duration.ofMinutes(3)).restartsOnTimeout(1)
 *     .stdout(Output.pipe())
 *     .onDone(result -> System.out.println(result.stdoutText()))
 *     .build();
 * }</pre>
 *
 * <p>A job with an empty command has no process: it only runs its callbacks (PyExPool's
 * {@code args=None}).
 */
public final class Job {
    private final String name;
    private final List<String> command;
    private final Path workingDirectory;
    private final Map<String, String> environment;
    private final boolean clearEnvironment;
    private final Duration timeout;
    private final int restartsOnTimeout;
    private final Duration startDelay;
    private final Consumer<? super JobHandle> onStart;
    private final Consumer<? super JobResult> onDone;
    private final Map<String, Object> params;
    private final Output stdout;
    private final Output stderr;
    private final JobGroup group;

    private Job(Builder b) {
        this.command = List.copyOf(b.command);
        this.name = b.name != null ? b.name : command.isEmpty() ? "job" : command.get(0);
        this.workingDirectory = b.workingDirectory;
        this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
        this.clearEnvironment = b.clearEnvironment;
        this.timeout = b.timeout;
        this.restartsOnTimeout = b.restartsOnTimeout;
        this.startDelay = b.startDelay;
        this.onStart = b.onStart;
        this.onDone = b.onDone;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(b.params));
        this.stdout = b.stdout;
        this.stderr = b.stderr;
        this.group = b.group;
    }

    /** A builder for {@code command} (the program, then its arguments; no shell is involved). */
    public static Builder builder(String... command) {
        return new Builder(List.of(command));
    }

    /** A builder for {@code command} (the program, then its arguments; no shell is involved). */
    public static Builder builder(List<String> command) {
        return new Builder(command);
    }

    /** A builder starting from this job's settings. */
    public Builder toBuilder() {
        Builder b = new Builder(command);
        b.name = name;
        b.workingDirectory = workingDirectory;
        b.environment.putAll(environment);
        b.clearEnvironment = clearEnvironment;
        b.timeout = timeout;
        b.restartsOnTimeout = restartsOnTimeout;
        b.startDelay = startDelay;
        b.onStart = onStart;
        b.onDone = onDone;
        b.params.putAll(params);
        b.stdout = stdout;
        b.stderr = stderr;
        b.group = group;
        return b;
    }

    public String name() {
        return name;
    }

    /** The program and its arguments; empty for a callbacks-only job. */
    public List<String> command() {
        return command;
    }

    public Optional<Path> workingDirectory() {
        return Optional.ofNullable(workingDirectory);
    }

    /** Variables added to (or replacing those of) the inherited environment. */
    public Map<String, String> environment() {
        return environment;
    }

    /** Whether the job starts from an empty environment instead of the controller's. */
    public boolean clearEnvironment() {
        return clearEnvironment;
    }

    public Optional<Duration> timeout() {
        return timeout == null ? Optional.empty() : Optional.of(timeout);
    }

    /** How many times a timed-out job is started again (PyExPool's {@code ontimeout=True}). */
    public int restartsOnTimeout() {
        return restartsOnTimeout;
    }

    public Duration startDelay() {
        return startDelay;
    }

    public Optional<Consumer<? super JobHandle>> onStart() {
        return Optional.ofNullable(onStart);
    }

    public Optional<Consumer<? super JobResult>> onDone() {
        return Optional.ofNullable(onDone);
    }

    /** The user's parameters, for callbacks. */
    public Map<String, Object> params() {
        return params;
    }

    public Output stdout() {
        return stdout;
    }

    public Output stderr() {
        return stderr;
    }

    /** The group it belongs to (PyExPool's {@code task}). */
    public Optional<JobGroup> group() {
        return Optional.ofNullable(group);
    }

    @Override
    public String toString() {
        return "Job[" + name + ": " + String.join(" ", command) + "]";
    }

    /** Builds a {@link Job}; see its Javadoc for the defaults. */
    public static final class Builder {
        private String name;
        private final List<String> command;
        private Path workingDirectory;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private boolean clearEnvironment;
        private Duration timeout;
        private int restartsOnTimeout;
        private Duration startDelay = Duration.ZERO;
        private Consumer<? super JobHandle> onStart;
        private Consumer<? super JobResult> onDone;
        private final Map<String, Object> params = new LinkedHashMap<>();
        private Output stdout = Output.inherit();
        private Output stderr = Output.inherit();
        private JobGroup group;

        private Builder(List<String> command) {
            this.command = new ArrayList<>(command);
            for (String word : this.command) {
                Objects.requireNonNull(word, "command word");
            }
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The job's working directory (made absolute against the controller's). */
        public Builder workingDirectory(Path dir) {
            this.workingDirectory = dir.toAbsolutePath();
            return this;
        }

        public Builder environment(String key, String value) {
            environment.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Start from an empty environment (plus the variables given with {@link #environment}). */
        public Builder clearEnvironment() {
            this.clearEnvironment = true;
            return this;
        }

        /** Kill the job (and its process tree) when it runs longer; positive. */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Start a timed-out job again, at most {@code n} times; 0 (the default) means never. */
        public Builder restartsOnTimeout(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("restartsOnTimeout must be >= 0: " + n);
            }
            this.restartsOnTimeout = n;
            return this;
        }

        /** Wait this long in the job's slot before starting its process. */
        public Builder startDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("startDelay must be >= 0: " + delay);
            }
            this.startDelay = delay;
            return this;
        }

        /** Called in the controller, on the pool's job thread, as the job is sent off to start. */
        public Builder onStart(Consumer<? super JobHandle> callback) {
            this.onStart = callback;
            return this;
        }

        /** Called in the controller, on the pool's job thread, when the job succeeded (only then). */
        public Builder onDone(Consumer<? super JobResult> callback) {
            this.onDone = callback;
            return this;
        }

        public Builder param(String key, Object value) {
            params.put(Objects.requireNonNull(key, "key"), value);
            return this;
        }

        public Builder stdout(Output output) {
            if (output.kind() == Output.Kind.TO_STDOUT) {
                throw new IllegalArgumentException("Output.toStdout() is for stderr only");
            }
            this.stdout = output;
            return this;
        }

        public Builder stderr(Output output) {
            this.stderr = Objects.requireNonNull(output, "output");
            return this;
        }

        public Builder group(JobGroup group) {
            this.group = group;
            return this;
        }

        public Job build() {
            return new Job(this);
        }
    }
}
