package dev.procpool.cli.run;

import dev.procpool.jobs.Job;
import dev.procpool.jobs.JobHandle;
import dev.procpool.jobs.JobPool;
import dev.procpool.jobs.JobResult;
import dev.procpool.jobs.JobStatus;
import dev.procpool.jobs.Output;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code procpool run}: GNU parallel's job runner on procpool's {@link JobPool}.
 *
 * <p>Inputs come from {@code :::} lists (several give every combination, the first varying
 * slowest; {@code :::+} links a list to the one before, value by value), {@code ::::} files and
 * {@code -a} (one argument a record), or stdin (when stdin is the only source, jobs start as
 * records arrive, as in GNU parallel). Records end at a newline, at NUL with {@code -0}, or at the
 * {@code -d} byte; {@code --colsep} splits them into columns; {@code --header} names the columns.
 * {@code -N}/{@code -n} give several arguments to a job, {@code -X}/{@code -m}/{@code --xargs} as
 * many as fit. Each job's stdout and then its stderr are kept until it ends and printed together
 * (GNU's default {@code --group}), so lines of different jobs never mix; with {@code -k} in input
 * order; {@code --line-buffer} prints whole lines as they come, {@code -u} passes output straight
 * through. A command line with shell syntax runs under {@code $PARALLEL_SHELL}, else
 * {@code $SHELL}, else {@code /bin/sh}; a plain one is started directly. {@code --pipe} cuts stdin
 * into blocks instead, one for each job's stdin ({@link PipeInputs}).
 *
 * <p>{@code -S [N/]HOST:PORT} runs the jobs on procpool worker-servers instead of (or, with
 * {@code -S :}, beside) this machine: one authenticated connection per job, the server runs it in
 * its own job pool (a timeout kills the job's tree there), the output comes back whole when it
 * ends and is printed by the same rules; a lost server gets no more jobs, and its running jobs run
 * again elsewhere within {@code --retries} or are reported failed.
 *
 * <p>Every byte of arguments, input, replacement strings, output and paths passes through unchanged
 * (except NUL), under any locale; see {@link Bytes} for how.
 *
 * <p>Exit status as GNU parallel: 0 when all jobs succeeded, the number of failed jobs up to 100,
 * 101 for more, 255 for bad input or other errors (and on Ctrl-C); with {@code --halt}, GNU
 * parallel's rules (the failing job's own status for a limit of one job, the percentage of failed
 * jobs for a percentage). A {@code --results} directory that cannot be made exits with the
 * system's error number, as GNU parallel's {@code mkdir} does (17: a file is in the way, 2: no
 * such directory, 13: permission denied).
 */
@Command(name = "run", sortOptions = false, exitCodeOnInvalidInput = 255, exitCodeOnExecutionException = 255,
        description = {"Runs a command once per input, in parallel, GNU parallel style.",
            "  procpool run -j 4 gzip ::: *.log",
            "  procpool run -k --joblog log.tsv 'convert {} {.}.png' :::: files.txt",
            "  find . -name '*.c' -print0 | procpool run -0 --timeout 30 cc -c {}"})
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-j", "--jobs", "-P", "--max-procs"}, paramLabel = "N",
            description = "Jobs at once: N, N%% of the cores, +N or -N cores, 0 for as many as possible (default: the number of cores).")
    String jobs;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Kill a job running longer: seconds, 1h2m3s, 500ms, or N%% of the median runtime of the jobs done so far.")
    String timeout;

    @Option(names = "--retries", paramLabel = "N", description = "Run a failed job up to N times in all (default 1).")
    int retries = 1;

    @Option(names = "--halt", paramLabel = "WHEN",
            description = "never (default), now|soon,fail=N|success=N|done=N (or N%%), or GNU's 0, 1, 2.")
    String halt = "never";

    @Option(names = {"-k", "--keep-order"}, description = "Print the output in input order.")
    boolean keepOrder;

    @Option(names = "--group", description = "Print each job's output when it ends, stdout then stderr (the default).")
    boolean group;

    @Option(names = {"--line-buffer", "--lb"}, description = "Print whole lines as jobs write them (with -k: as --group).")
    boolean lineBuffer;

    @Option(names = {"-u", "--ungroup"}, description = "Pass output straight through: fastest, lines of jobs may mix.")
    boolean ungroup;

    @Option(names = "--tag", description = "Prefix each output line with the job's arguments and a tab.")
    boolean tag;

    @Option(names = "--tagstring", paramLabel = "STR", description = "Prefix each output line with STR (replacement strings allowed) and a tab.")
    String tagString;

    @Option(names = "--dry-run", description = "Print the commands, run nothing.")
    boolean dryRun;

    @Option(names = "--joblog", paramLabel = "FILE", description = "Log every job in GNU parallel's format (- for stdout).")
    String joblog;

    @Option(names = "--resume", description = "Skip the jobs already in --joblog.")
    boolean resume;

    @Option(names = "--resume-failed", description = "Skip the jobs that succeeded in --joblog, run the others again.")
    boolean resumeFailed;

    @Option(names = "--results", paramLabel = "DIR", description = "Keep each job's stdout, stderr and seq in DIR/1/ARG/...; not printed.")
    String results;

    @Option(names = "--bar", description = "Show a progress bar with an ETA on stderr, when stderr is a terminal.")
    boolean bar;

    @Option(names = "--eta", description = "Show the estimated time left on stderr.")
    boolean eta;

    @Option(names = "--total-timeout", paramLabel = "DURATION", description = "A deadline for the whole run: what is left is killed.")
    String totalTimeout;

    @Option(names = "--status-port", paramLabel = "PORT",
            description = "Serve a live status page on 127.0.0.1:PORT (0: a free port); its address goes to stderr.")
    Integer statusPort;

    @Option(names = "--json", description = "Print a JSON summary on stdout (job output is then not printed).")
    boolean json;

    @Option(names = {"-a", "--arg-file"}, paramLabel = "FILE", description = "Read arguments from FILE, like ::::.")
    List<String> argFiles = new ArrayList<>();

    @Option(names = {"-0", "--null"}, description = "Records end with NUL instead of newline.")
    boolean nul;

    @Option(names = {"-d", "--delimiter"}, paramLabel = "CHAR", description = "Records end with CHAR (\\n, \\t, \\0 or one byte).")
    String delimiter;

    @Option(names = {"-C", "--colsep"}, paramLabel = "REGEX", description = "Split each record into columns {1} {2}... at REGEX.")
    String colsep;

    @Option(names = "--header", paramLabel = "REGEX", description = "The first record of each source names its columns: {name}.")
    String header;

    @Option(names = {"-N", "--max-replace-args"}, paramLabel = "N", description = "N arguments a job: {1}..{N} are the job's arguments.")
    Integer maxReplaceArgs;

    @Option(names = {"-n", "--max-args"}, paramLabel = "N", description = "At most N arguments a job.")
    Integer maxArgs;

    @Option(names = "-X", description = "As many arguments a job as fit; a word with {} is repeated for each.")
    boolean contextReplace;

    @Option(names = {"-m"}, description = "As many arguments a job as fit, spread over the job slots.")
    boolean multiple;

    @Option(names = "--xargs", description = "As many arguments a job as fit on one command line.")
    boolean xargs;

    @Option(names = {"-I"}, paramLabel = "STR", description = "Use STR instead of {} for the arguments.")
    String replaceString;

    @Option(names = "--delay", paramLabel = "DURATION", description = "Start jobs at least DURATION apart.")
    String delay;

    @Option(names = "--shuf", description = "Run the jobs in random order.")
    boolean shuffle;

    @Option(names = {"--pipe", "--spreadstdin"}, description = "Cut stdin into blocks, one for each job's stdin.")
    boolean pipe;

    @Option(names = "--block", paramLabel = "SIZE", description = "With --pipe: about SIZE bytes a block (k m g: powers of 1000, K M G: of 1024; default 1M).")
    String block;

    @Option(names = "--recend", paramLabel = "STR", description = "With --pipe: records end with STR (default \\n; \\n \\t \\0 understood).")
    String recend;

    @Option(names = "--recstart", paramLabel = "STR", description = "With --pipe: records start with STR (default: none).")
    String recstart;

    @Option(names = {"-S", "--sshlogin"}, paramLabel = "[N/]HOST:PORT",
            description = "Run jobs on a procpool worker-server (repeatable): N job slots there (default: -j, else this machine's cores); ':' is this machine.")
    List<String> servers = new ArrayList<>();

    @Option(names = "--token-file", paramLabel = "FILE", description = "With -S: the worker-servers' shared token (default: $PROCPOOL_TOKEN).")
    String tokenFile;

    @Option(names = "--tls-truststore", paramLabel = "FILE", description = "With -S: speak TLS, trusting the certificates in FILE (PKCS12 or JKS).")
    String tlsTrustStore;

    @Option(names = "--tls-password-file", paramLabel = "FILE", description = "With --tls-truststore: the file holding its password.")
    String tlsPasswordFile;

    @Option(names = "--will-cite", hidden = true, description = "Accepted for GNU parallel habits; does nothing.")
    boolean willCite;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, then ::: ARGS... or :::: FILES... (:::+ and ::::+ link to the source before)")
    List<String> words = new ArrayList<>();

    /**
     * GNU parallel options procpool does not have, each with what to use instead. They are
     * recognized (so the refusal names them) and refused before anything runs.
     */
    private static final Map<String, String> UNSUPPORTED = unsupported();

    private static Map<String, String> unsupported() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String o : List.of("--slf", "--sshloginfile", "--onall", "--nonall", "--controlmaster", "--ssh")) {
            m.put(o, "name procpool worker-servers with -S [N/]HOST:PORT (repeatable)");
        }
        for (String o : List.of("--transfer", "--transferfile", "--tf", "--return", "--cleanup", "--trc", "--basefile",
                "--bf", "--workdir", "--wd", "--env")) {
            m.put(o, "jobs on a worker-server run in its directory and environment: put the files there (shared storage)"
                    + " or move them in the command");
        }
        m.put("--pipepart", "use --pipe < FILE (the file is read once, in blocks)");
        m.put("--cat", "use --pipe: each job reads its block on stdin");
        m.put("--fifo", m.get("--cat"));
        m.put("--semaphore", "use flock(1) around the command, or one procpool run for all the jobs");
        m.put("--sem", m.get("--semaphore"));
        m.put("--plus", "use {= s/RE/REPL/ =} for the extra replacement strings");
        m.put("--load", "use -j to limit the jobs");
        m.put("--memfree", "use -j to limit the jobs");
        m.put("--noswap", "use -j to limit the jobs");
        m.put("--nice", "run the command under nice: procpool run nice -n N CMD");
        m.put("--progress", "use --bar or --eta");
        m.put("--link", "link the sources with :::+ or ::::+");
        m.put("--xapply", "link the sources with :::+ or ::::+");
        m.put("--round-robin", "use -N or -X");
        m.put("--sqlmaster", "use --joblog");
        m.put("--sqlworker", "use --joblog");
        m.put("--sqlandworker", "use --joblog");
        m.put("--files", "use --results DIR");
        m.put("--compress", "compress in the command: 'CMD | gzip'");
        m.put("--tmux", "use --line-buffer");
        m.put("--tmuxpane", "use --line-buffer");
        m.put("--linebuffer", "use --line-buffer");
        m.put("--quote", "quote in the command, or use {= uq =} for the opposite");
        m.put("-q", "quote in the command, or use {= uq =} for the opposite");
        m.put("--retry-failed", "use --resume-failed");
        m.put("--termseq", "procpool sends TERM, then KILL after a grace period");
        m.put("--limit", "use -j");
        m.put("--keep-order-results", "use -k");
        m.put("--citation", "none needed");
        m.put("--bibtex", "none needed");
        m.put("--max-line-length-allowed", "-X and -m use up to 128 KiB a command line");
        return Collections.unmodifiableMap(m);
    }

    /** Recognizes the unsupported GNU options on {@code run}, so that {@link #call} can refuse them by name. */
    public static void registerUnsupportedOptions(CommandLine run) {
        for (String name : UNSUPPORTED.keySet()) {
            run.getCommandSpec().addOption(OptionSpec.builder(name).arity("0").hidden(true).type(boolean.class).build());
        }
    }

    /** The main arguments as byte strings: see {@link Bytes}. */
    public static String[] rawArguments(String[] args) {
        argumentsAreBytes = true;
        return Bytes.rawArguments(args);
    }

    /**
     * Whether the arguments came through {@link #rawArguments} (the command line); when the command
     * runs in-process with Java strings instead (Main.commandLine().execute(...)), they are
     * turned into byte strings (UTF-8) first.
     */
    private static volatile boolean argumentsAreBytes;

    private void argumentsToBytes() {
        if (argumentsAreBytes) {
            return;
        }
        words = new ArrayList<>(words.stream().map(Bytes::text).toList());
        argFiles = new ArrayList<>(argFiles.stream().map(Bytes::text).toList());
        servers = new ArrayList<>(servers.stream().map(Bytes::text).toList());
        tagString = tagString == null ? null : Bytes.text(tagString);
        replaceString = replaceString == null ? null : Bytes.text(replaceString);
        colsep = colsep == null ? null : Bytes.text(colsep);
        delimiter = delimiter == null ? null : Bytes.text(delimiter);
        recend = recend == null ? null : Bytes.text(recend);
        recstart = recstart == null ? null : Bytes.text(recstart);
        joblog = joblog == null ? null : Bytes.text(joblog);
        results = results == null ? null : Bytes.text(results);
        tokenFile = tokenFile == null ? null : Bytes.text(tokenFile);
        tlsTrustStore = tlsTrustStore == null ? null : Bytes.text(tlsTrustStore);
        tlsPasswordFile = tlsPasswordFile == null ? null : Bytes.text(tlsPasswordFile);
    }

    /** Longest command line -X, -m and --xargs build (GNU parallel's default is about as long). */
    private static final int MAX_LINE = 128 * 1024 - 4096;

    // ---- run state, touched on the job pool's threads under this object's lock ----
    private Template template;
    private Template tagTemplate;
    private JobPool pool;
    private Iterator<List<List<String>>> batches;
    /** Set instead of {@link #batches} when the arguments stream from stdin. */
    private Streamed stdinInputs;
    private int batchSize = 1;
    private long nextSeq;
    private int inflight;
    private int maxInflight;
    private int slots;
    private final TreeSet<Integer> freeSlots = new TreeSet<>();
    private Set<Long> skip = Set.of();
    /** The jobs started and not ended (a copy is taken under its own lock by the timeout watcher). */
    private final Set<Running> running = Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    /** Jobs to run again (--retries), before any new input. */
    private final java.util.ArrayDeque<Running> retryQueue = new java.util.ArrayDeque<>();
    /** With -S: the server of each job slot (index slot - 1), null for this machine. */
    private final List<Server> slotServer = new ArrayList<>();
    private final Set<Server> lostServers = new HashSet<>();
    private boolean remote;
    private java.util.concurrent.ExecutorService remoteThreads;
    private final List<Map<String, Object>> summary = new ArrayList<>();
    private final List<Long> runtimesMillis = new ArrayList<>();
    private int succeeded;
    private int failed;
    private int timedOut;
    private int killed;
    private int skipped;
    private long total;
    private long done;
    private Halt haltRule;
    private volatile boolean halted;
    private Integer haltExit;
    /** A fatal error (e.g. --results cannot be written): the message and exit status. */
    private String fatal;
    private int fatalExit;
    private final CountDownLatch finished = new CountDownLatch(1);
    private OutputStream joblogOut;
    private OutputStream stdout;
    private OutputStream stderr;
    private Printer printer;
    private Bar progress;
    private double timeoutPercent;
    private Duration fixedTimeout;
    private long delayNanos;
    private long nextStartNanos;
    private ScheduledExecutorService timers;
    private Path lineBufferDir;
    private String lastArg;
    private int delimiterByte = '\n';
    private Path pipeDir;
    private int blockBytes = 1 << 20;

    /** Marks the place of stdin among the sources (compared by identity). */
    private static final List<String> STDIN = Collections.unmodifiableList(new ArrayList<>());

    /** A job started and not yet ended (one attempt of it). */
    private static final class Running {
        final long seq;
        final List<List<String>> args;
        final String command;
        final int slot;
        final int attempt;
        final boolean[] killedByUs;
        final Path lineBufferFile;
        /** ":" for this machine, else the -S server as given. */
        final String host;
        /** How to stop it (set once it runs; local: the job handle's cancel, remote: the call's). */
        volatile Runnable canceller;
        volatile java.time.Instant dispatched;
        volatile JobHandle local;
        volatile boolean cancelRequested;

        Running(long seq, List<List<String>> args, String command, int slot, int attempt, boolean[] killedByUs,
                Path lineBufferFile, String host) {
            this.seq = seq;
            this.args = args;
            this.command = command;
            this.slot = slot;
            this.attempt = attempt;
            this.killedByUs = killedByUs;
            this.lineBufferFile = lineBufferFile;
            this.host = host;
        }

        long seq() {
            return seq;
        }

        List<List<String>> args() {
            return args;
        }

        String command() {
            return command;
        }

        int slot() {
            return slot;
        }

        int attempt() {
            return attempt;
        }

        boolean[] killedByUs() {
            return killedByUs;
        }

        Path lineBufferFile() {
            return lineBufferFile;
        }

        boolean isDispatched() {
            JobHandle h = local;
            return h != null ? h.dispatched().isPresent() : dispatched != null;
        }

        java.time.Instant dispatchedAt() {
            JobHandle h = local;
            return h != null ? h.dispatched().orElse(null) : dispatched;
        }

        void cancel() {
            cancelRequested = true;
            Runnable c = canceller;
            if (c != null) {
                c.run();
            }
        }
    }

    /** A worker-server of -S. */
    private record Server(String spec, String host, int port, byte[] token, javax.net.ssl.SSLContext tls) {
    }

    /** How a job ended, locally or on a worker-server. */
    private record Outcome(JobStatus status, int exitCode, int signalNumber, java.util.Optional<java.time.Instant> start,
            Duration runtime, byte[] stdout, byte[] stderr, String error) {
        boolean succeeded() {
            return status == JobStatus.SUCCEEDED;
        }

        static Outcome of(JobResult r) {
            return new Outcome(r.status(), r.exitCode(), r.signalNumber(), r.start(), r.runtime(), r.stdout(), r.stderr(),
                    r.error().orElse(null));
        }

        static Outcome of(dev.procpool.internal.RemoteCommandJobs.Result r) {
            JobStatus st;
            try {
                st = JobStatus.valueOf(r.status());
            } catch (IllegalArgumentException e) {
                st = JobStatus.FAILED;
            }
            return new Outcome(st, r.exitCode(), r.signal(), r.startMillis() < 0 ? java.util.Optional.empty()
                    : java.util.Optional.of(java.time.Instant.ofEpochMilli(r.startMillis())),
                    Duration.ofMillis(r.runtimeMillis()), r.stdout(), r.stderr(), r.error());
        }
    }

    private record Source(List<String> values, boolean linked) {
    }

    @Override
    public Integer call() throws Exception {
        stdout = new FileOutputStream(FileDescriptor.out);
        stderr = new FileOutputStream(FileDescriptor.err);
        try {
            return runAll();
        } catch (Fatal f) {
            if (printer != null) {
                printer.flush(true);
            }
            stderr.write(Bytes.bytes("procpool: " + f.getMessage() + "\n"));
            stderr.flush();
            return f.exit;
        }
    }

    /** An error that ends the run with its own exit status. */
    private static final class Fatal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int exit;

        Fatal(String message, int exit) {
            super(message);
            this.exit = exit;
        }
    }

    private int runAll() throws Exception {
        argumentsToBytes();
        refuseUnsupported();
        checkOptions();
        List<String> command = new ArrayList<>();
        List<Source> sources = parseSources(command);
        haltRule = Halt.parse(halt, this::bad);
        slots = parseJobs();
        parseServers();
        if (timeout != null) {
            if (timeout.strip().endsWith("%")) {
                timeoutPercent = parseNumber(timeout.strip().substring(0, timeout.strip().length() - 1), "--timeout");
            } else {
                fixedTimeout = duration(timeout, "--timeout");
            }
        }
        Duration deadline = totalTimeout == null ? null : duration(totalTimeout, "--total-timeout");
        delayNanos = delay == null ? 0 : duration(delay, "--delay").toNanos();
        if ((resume || resumeFailed) && joblog == null) {
            throw bad("--resume and --resume-failed need --joblog FILE");
        }
        if (pipe) {
            checkPipe(sources);
        }
        boolean streaming = pipe || sources.size() == 1 && sources.get(0).values() == STDIN && header == null && !shuffle
                && !contextReplace && !multiple && !xargs;
        Map<String, Integer> names = new HashMap<>();
        List<List<String>> records = streaming ? List.of() : readAll(sources, names);
        if (colsep != null) {
            records = splitColumns(records);
        }
        if (shuffle) {
            records = new ArrayList<>(records);
            Collections.shuffle(records);
        }
        String replace = replaceString == null ? "{}" : replaceString;
        try {
            template = new Template(command, replace, names, contextReplace);
            tagTemplate = tagString == null ? null : new Template(List.of(tagString), replace, names, false);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        if (pipe) {
            batchSize = 1; // one block a job; -N counts records within the block
        } else if (maxReplaceArgs != null) {
            batchSize = maxReplaceArgs;
        } else if (maxArgs != null) {
            batchSize = maxArgs;
        }
        List<List<List<String>>> all = streaming ? List.of() : batch(records);
        total = all.size();
        if (dryRun) {
            return dryRun(streaming, all);
        }
        if (results != null) {
            prepareResults();
        }
        progress = bar || eta ? Bar.onTerminal(stderr) : Bar.off(stderr);
        printer = new Printer(stdout, stderr, keepOrder, progress);
        skip = readJoblogSkips();
        openJoblog();
        if (eta) {
            printer.message("\nComputers / CPU cores / Max jobs to run\n1:local / "
                    + Runtime.getRuntime().availableProcessors() + " / " + slots + "\n");
        }
        batches = all.iterator();
        if (pipe) {
            pipeDir = Files.createTempDirectory(Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm")
                    : Path.of(System.getProperty("java.io.tmpdir")), "procpool-pipe-");
            stdinInputs = new PipeInputs(this, this::feed, blockBytes, escapes(recend == null ? "\\n" : recend),
                    escapes(recstart == null ? "" : recstart), maxReplaceArgs == null ? 0 : maxReplaceArgs, pipeDir);
        } else if (streaming) {
            stdinInputs = new StdinInputs(this, this::feed, delimiterByte, this::warn);
        }
        for (int i = 1; i <= slots; i++) {
            freeSlots.add(i);
        }
        // remote jobs start as soon as they are sent: only as many as there are slots
        maxInflight = template.usesSlot() || delayNanos > 0 || remote ? slots : slots * 2;
        if (lineBuffer && !keepOrder && !ungroup && !json && results == null) {
            lineBufferDir = Files.createTempDirectory("procpool-run-");
        }
        long started = System.nanoTime();
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "procpool-run-timers");
            t.setDaemon(true);
            return t;
        });
        int localSlots = remote ? (int) Math.max(1, slotServer.stream().filter(java.util.Objects::isNull).count()) : slots;
        if (remote) {
            remoteThreads = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "procpool-run-remote");
                t.setDaemon(true);
                return t;
            });
        }
        try (JobPool p = JobPool.builder().name("run").slots(localSlots).grace(Duration.ofMillis(200)).build();
             AutoCloseable status = dev.procpool.cli.StatusPort.serve(statusPort, p::status,
                     new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8))) {
            pool = p;
            onInterrupt();
            if (timeoutPercent > 0) {
                timers.scheduleWithFixedDelay(this::killSlowJobs, 20, 20, TimeUnit.MILLISECONDS);
            }
            if (lineBufferDir != null) {
                timers.scheduleWithFixedDelay(this::printLines, 20, 20, TimeUnit.MILLISECONDS);
            }
            synchronized (this) {
                feed();
            }
            if (stdinInputs != null) {
                stdinInputs.start(System.in);
            }
            boolean inTime = await(deadline);
            if (!inTime) {
                synchronized (this) {
                    halted = true;
                }
                stopAll();
                pool.join();
                finished.await(30, TimeUnit.SECONDS); // the killed jobs' results are counted
                synchronized (this) {
                    killed += (int) (total - done); // never started
                }
            }
        } finally {
            timers.shutdownNow();
            if (remoteThreads != null) {
                remoteThreads.shutdownNow();
            }
            if (lineBufferDir != null) {
                deleteTree(lineBufferDir);
            }
            if (pipeDir != null) {
                deleteTree(pipeDir);
            }
        }
        synchronized (this) {
            printer.flush(true);
            if (joblogOut != null) {
                joblogOut.close();
            }
            if (fatal != null) {
                throw new Fatal(fatal, fatalExit);
            }
            if (stdinInputs != null && stdinInputs.failure() != null) {
                throw new Fatal("cannot read stdin: " + Bytes.text(String.valueOf(stdinInputs.failure().getMessage())), 255);
            }
            if (notRunNoServer > 0) {
                printer.message("procpool: no worker-server left: " + notRunNoServer + " job"
                        + (notRunNoServer == 1 ? "" : "s") + " not run, counted as failed");
            }
            if (eta) {
                double avg = runtimesMillis.stream().mapToLong(Long::longValue).average().orElse(0) / 1000.0;
                printer.message(String.format(Locale.ROOT, "ETA: 0s Left: 0 AVG: %.2fs  local:0/%d/100%%/%.1fs ",
                        avg, done, (System.nanoTime() - started) / 1e9 / Math.max(1, done)));
            }
            progress.finish();
            int exit = exitCode();
            if (json) {
                stdout.write(Json.summary(total, succeeded, failed, timedOut, killed, skipped, exit,
                        (System.nanoTime() - started) / 1e9, summary).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            stdout.flush();
            return exit;
        }
    }

    private void refuseUnsupported() {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (Map.Entry<String, String> e : UNSUPPORTED.entrySet()) {
            if (pr != null && pr.hasMatchedOption(e.getKey())) {
                throw bad(e.getKey() + " is not supported by procpool run: " + e.getValue());
            }
        }
    }

    private void checkOptions() {
        int modes = (lineBuffer ? 1 : 0) + (ungroup ? 1 : 0) + (group ? 1 : 0);
        if (modes > 1) {
            throw bad("--group, --line-buffer and -u exclude each other");
        }
        int many = (contextReplace ? 1 : 0) + (multiple ? 1 : 0) + (xargs ? 1 : 0) + (maxReplaceArgs != null ? 1 : 0)
                + (maxArgs != null ? 1 : 0);
        if (many > 1) {
            throw bad("-N, -n, -X, -m and --xargs exclude each other");
        }
        if (maxReplaceArgs != null && maxReplaceArgs < 0 || maxArgs != null && maxArgs < 1) {
            throw bad(maxArgs != null ? "-n must be at least 1" : "-N must be at least 0");
        }
        if (retries < 1) {
            throw bad("--retries must be at least 1");
        }
        if (nul && delimiter != null) {
            throw bad("-0 and -d exclude each other");
        }
        if (nul) {
            delimiterByte = 0;
        } else if (delimiter != null) {
            String d = switch (delimiter) {
                case "\\n" -> "\n";
                case "\\t" -> "\t";
                case "\\0" -> "\0";
                default -> delimiter;
            };
            if (d.length() != 1) {
                throw bad("-d takes one byte (or \\n, \\t, \\0), not '" + delimiter + "'");
            }
            delimiterByte = d.charAt(0) & 0xFF;
        }
        if (colsep != null) {
            try {
                Pattern.compile(colsep);
            } catch (PatternSyntaxException e) {
                throw bad("--colsep: bad regular expression '" + colsep + "': " + e.getDescription());
            }
        }
        if (replaceString != null && replaceString.isEmpty()) {
            throw bad("-I needs a non-empty replacement string");
        }
    }

    private int dryRun(boolean streaming, List<List<List<String>>> all) throws IOException {
        long seq = 0;
        if (streaming) {
            Records r = new Records(System.in, delimiterByte, this::warnDirect);
            List<List<String>> batchNow = new ArrayList<>();
            for (String line; (line = r.next()) != null; ) {
                batchNow.add(List.of(line));
                if (batchNow.size() >= Math.max(1, batchSize)) {
                    seq++;
                    stdout.write(Bytes.bytes(template.expand(jobArgs(batchNow), seq, (int) ((seq - 1) % slots) + 1) + "\n"));
                    batchNow = new ArrayList<>();
                }
            }
            if (!batchNow.isEmpty()) {
                seq++;
                stdout.write(Bytes.bytes(template.expand(jobArgs(batchNow), seq, (int) ((seq - 1) % slots) + 1) + "\n"));
            }
        } else {
            for (List<List<String>> args : all) {
                seq++;
                stdout.write(Bytes.bytes(template.expand(jobArgs(args), seq, (int) ((seq - 1) % slots) + 1) + "\n"));
            }
        }
        stdout.flush();
        return 0;
    }

    /** With -N0 a job gets no arguments at all; with --pipe its input is its block, not arguments. */
    private List<List<String>> jobArgs(List<List<String>> batch) {
        return pipe || maxReplaceArgs != null && maxReplaceArgs == 0 ? List.of() : batch;
    }

    private void checkPipe(List<Source> sources) {
        if (sources.size() != 1 || sources.get(0).values() != STDIN) {
            throw bad("--pipe cuts stdin into blocks: give no ::: or :::: arguments with it");
        }
        if (results != null || remote || dryRun || contextReplace || multiple || xargs || maxArgs != null
                || colsep != null || header != null || shuffle) {
            throw bad("--pipe goes with -j, -k, -N, --block, --recend, --recstart, --tagstring, the output options,"
                    + " --joblog, --timeout, --halt and --retries (not with --results, -S, --dry-run, -X, -m, --xargs,"
                    + " -n, --colsep, --header or --shuf)");
        }
        if (block != null) {
            java.util.regex.Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)([kKmMgG]?)").matcher(block.strip());
            if (!m.matches()) {
                throw bad("--block: bad size '" + block + "' (use e.g. 64k, 1M, 10M)");
            }
            // as GNU parallel: k, m, g are powers of 1000; K, M, G powers of 1024
            double v = Double.parseDouble(m.group(1)) * switch (m.group(2)) {
                case "k" -> 1e3;
                case "m" -> 1e6;
                case "g" -> 1e9;
                case "K" -> 1024;
                case "M" -> 1024 * 1024;
                case "G" -> 1024 * 1024 * 1024;
                default -> 1;
            };
            if (v < 1 || v > Integer.MAX_VALUE / 4) {
                throw bad("--block: " + block + " is out of range (1 byte to 512M)");
            }
            blockBytes = (int) v;
        }
        if (recend != null && recend.isEmpty() && (recstart == null || recstart.isEmpty())) {
            throw bad("--pipe needs --recend or --recstart to cut records");
        }
    }

    /** GNU parallel's escapes in --recend and --recstart: \\n, \\t, \\0, \\\\. */
    private static byte[] escapes(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> n;
                });
            } else {
                sb.append(c);
            }
        }
        return Bytes.bytes(sb.toString());
    }

    private boolean await(Duration deadline) throws InterruptedException {
        if (deadline == null) {
            finished.await();
            return true;
        }
        return finished.await(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    private int exitCode() {
        if (haltExit != null) {
            return haltExit;
        }
        if (!haltRule.never() && haltRule.percent()) {
            return percentFailed(); // GNU parallel: a percentage rule reports one even when it never halted
        }
        int bad = failed + timedOut + killed;
        return Math.min(bad, 101);
    }

    private int percentFailed() {
        return (int) Math.ceil((failed + timedOut) * 100.0 / Math.max(1, total));
    }

    /** Ctrl-C: the running jobs' trees are killed (the pool's shutdown) and the exit status is GNU's 255. */
    private void onInterrupt() {
        try {
            CliSignals.onInterrupt(() -> {
                Thread t = new Thread(() -> {
                    halted = true;
                    stopAll();
                    System.exit(255);
                }, "procpool-run-interrupt");
                t.start();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // no signal handling here (e.g. SIGINT ignored by a background shell): the default stays
        }
    }

    // ---- feeding and finishing, under this object's lock ----

    private void feed() {
        try {
            feedUnsafe();
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void feedUnsafe() {
        while (!halted && fatal == null && inflight < maxInflight) {
            if (delayNanos > 0) {
                long wait = nextStartNanos - System.nanoTime();
                if (wait > 0) {
                    timers.schedule(() -> {
                        synchronized (this) {
                            feed();
                        }
                    }, wait, TimeUnit.NANOSECONDS);
                    return;
                }
            }
            if (remote && freeSlots.isEmpty()) {
                if (liveSlots() == 0) {
                    noServerLeft();
                }
                break;
            }
            Running again = retryQueue.poll();
            if (again != null) {
                int slot = freeSlots.isEmpty() ? 1 : freeSlots.pollFirst();
                submit(again.seq(), again.args(), slot, again.attempt() + 1);
                continue;
            }
            List<List<String>> args = nextBatch();
            if (args == null) {
                break;
            }
            long seq = ++nextSeq;
            if (skip.contains(seq)) {
                skipped++;
                done++;
                printer.nothing(seq);
                continue;
            }
            int slot = freeSlots.isEmpty() ? 1 : freeSlots.pollFirst();
            nextStartNanos = System.nanoTime() + delayNanos;
            submit(seq, args, slot, 1);
        }
        if ((halted || fatal != null || inputExhausted() && retryQueue.isEmpty()) && inflight == 0) {
            finished.countDown();
        }
    }

    /** Every worker-server is lost and no local slot is left: what is not done fails, and the run ends. */
    private void noServerLeft() {
        long notRun = retryQueue.size();
        for (Running r : retryQueue) {
            log(r, new Outcome(JobStatus.FAILED, 255, 0, java.util.Optional.empty(), Duration.ZERO, new byte[0], new byte[0],
                    "no worker-server left"), 255, 0);
            printer.nothing(r.seq());
        }
        retryQueue.clear();
        for (List<List<String>> b; (b = nextBatch()) != null; ) {
            printer.nothing(++nextSeq);
            notRun++;
        }
        notRunNoServer += notRun;
        failed += (int) notRun;
        done += notRun;
        if (stdinInputs != null) {
            total = Math.max(total, done);
        }
    }

    /** Jobs never run because every worker-server was lost (told once, at the end). */
    private long notRunNoServer;

    private int liveSlots() {
        int n = 0;
        for (Server s : slotServer) {
            if (s == null || !lostServers.contains(s)) {
                n++;
            }
        }
        return n;
    }

    /** A slot back to the free ones, unless its server was lost. */
    private void freeSlot(int slot) {
        if (!remote || slot > slotServer.size() || slotServer.get(slot - 1) == null
                || !lostServers.contains(slotServer.get(slot - 1))) {
            freeSlots.add(slot);
        }
    }

    /** Kills every running job: local ones with their pool, remote ones on their servers. */
    private void stopAll() {
        pool.shutdownNow();
        List<Running> all;
        synchronized (running) {
            all = new ArrayList<>(running);
        }
        all.forEach(Running::cancel);
    }

    private List<List<String>> nextBatch() {
        if (stdinInputs == null) {
            return batches.hasNext() ? batches.next() : null;
        }
        int want = Math.max(1, batchSize);
        int ready = stdinInputs.ready();
        if (ready == 0 || ready < want && !stdinInputs.eof()) {
            return null;
        }
        List<List<String>> b = new ArrayList<>();
        while (b.size() < want && stdinInputs.ready() > 0) {
            b.add(stdinInputs.next());
        }
        total++;
        return b;
    }

    private boolean inputExhausted() {
        return stdinInputs == null ? !batches.hasNext() : stdinInputs.exhausted();
    }

    private void submit(long seq, List<List<String>> args, int slot, int attempt) {
        String line = template.expand(jobArgs(args), seq, slot);
        Server server = remote && slot <= slotServer.size() ? slotServer.get(slot - 1) : null;
        if (server != null) {
            submitRemote(seq, args, line, slot, attempt, server);
            return;
        }
        List<String> argv = Template.needsShell(line) ? List.of(shell(), "-c", line) : split(line);
        if (pipe) {
            // the block is the job's stdin (the file is deleted when the job has ended for good)
            List<String> withInput = new ArrayList<>(List.of("/bin/sh", "-c", "exec <\"$0\" && exec \"$@\"",
                    args.get(0).get(0)));
            withInput.addAll(argv);
            argv = withInput;
        }
        Job.Builder b = Job.builder(Bytes.processArguments(argv)).name(Long.toString(seq));
        Path lineFile = null;
        if (json && results == null) {
            b.stdout(Output.discard()).stderr(Output.discard());
        } else if (ungroup && results == null) {
            b.stdout(Output.inherit()).stderr(Output.inherit());
        } else if (lineBufferDir != null) {
            lineFile = lineBufferDir.resolve(seq + "." + attempt);
            b.stdout(Output.appendTo(lineFile)).stderr(Output.pipe());
        } else {
            b.stdout(Output.pipe()).stderr(Output.pipe());
        }
        if (fixedTimeout != null) {
            b.timeout(fixedTimeout);
        }
        inflight++;
        Running r = new Running(seq, args, line, slot, attempt, new boolean[1], lineFile, ":");
        if (lineFile != null) {
            lineBuffers.put(r, 0L);
        }
        JobHandle h = pool.submit(b.build());
        r.local = h;
        r.canceller = h::cancel;
        running.add(r);
        h.future().whenComplete((result, error) -> {
            synchronized (this) {
                running.remove(r);
                try {
                    if (error != null) {
                        throw new IllegalStateException("job " + seq + " could not run: " + error.getMessage(), error);
                    }
                    ended(r, Outcome.of(result));
                } catch (RuntimeException e) {
                    inflight = Math.max(0, inflight - (error != null ? 1 : 0));
                    fail(e);
                }
            }
        });
    }

    /**
     * A job on a worker-server: one connection, on a thread of its own while it runs. A command
     * with shell syntax runs under the server's /bin/sh; bytes above 0x7F travel as an ASCII
     * script that rebuilds them there (see {@link Bytes}), whatever the two machines' locales.
     */
    private void submitRemote(long seq, List<List<String>> args, String line, int slot, int attempt, Server server) {
        List<String> argv = Template.needsShell(line) ? List.of("/bin/sh", "-c", line) : split(line);
        List<String> wire = Bytes.asciiArguments(argv);
        inflight++;
        Running r = new Running(seq, args, line, slot, attempt, new boolean[1], null, server.spec());
        running.add(r);
        remoteThreads.execute(() -> {
            Outcome o = null;
            IOException lost = null;
            boolean[] sent = new boolean[1];
            try {
                dev.procpool.internal.RemoteCommandJobs.Call call = dev.procpool.internal.RemoteCommandJobs.Call.start(
                        server.host(), server.port(), server.token(), server.tls(), seq, wire, fixedTimeout, 10_000);
                sent[0] = true;
                r.dispatched = java.time.Instant.now();
                r.canceller = call::cancel;
                if (r.cancelRequested) {
                    call.cancel();
                }
                o = Outcome.of(call.await());
            } catch (IOException e) {
                lost = e;
            } catch (RuntimeException e) {
                lost = new IOException(e.toString(), e);
            }
            synchronized (this) {
                running.remove(r);
                try {
                    if (o != null) {
                        ended(r, o);
                    } else {
                        serverLost(r, server, lost, sent[0]);
                    }
                } catch (RuntimeException e) {
                    fail(e);
                }
            }
        });
    }

    /**
     * The connection to a worker-server failed or broke: the server gets no more jobs. A job it
     * never received goes to another slot as if it had not started; a job it was running runs
     * again elsewhere while --retries allows, else it is reported failed.
     */
    private void serverLost(Running r, Server server, IOException why, boolean sent) {
        if (lostServers.add(server)) {
            for (int i = 0; i < slotServer.size(); i++) {
                if (slotServer.get(i) == server) {
                    freeSlots.remove(i + 1);
                }
            }
            printer.message("procpool: lost worker-server " + server.spec() + " (" + Bytes.text(String.valueOf(why.getMessage()))
                    + "); no more jobs go there");
        }
        if (r.cancelRequested || halted) {
            ended(r, new Outcome(JobStatus.CANCELLED, -1, 0, java.util.Optional.empty(), Duration.ZERO, new byte[0],
                    new byte[0], "lost worker-server " + server.spec()));
            return;
        }
        if (!sent) {
            inflight--;
            retryQueue.addFirst(new Running(r.seq(), r.args(), r.command(), r.slot(), r.attempt() - 1, r.killedByUs(),
                    null, r.host));
            feed();
            return;
        }
        printer.message("procpool: job " + r.seq() + " was running on " + server.spec()
                + (r.attempt() < retries ? ": it runs again elsewhere" : ": counted as failed (--retries " + retries + ")"));
        ended(r, new Outcome(JobStatus.FAILED, 255, 0, java.util.Optional.empty(), Duration.ZERO, new byte[0], new byte[0],
                "lost worker-server " + server.spec()));
    }

    /** A run-ending error: the message is printed at the end, running jobs are stopped, nothing new starts. */
    private void fail(RuntimeException e) {
        if (fatal == null) {
            if (e instanceof Fatal f) {
                fatal = f.getMessage();
                fatalExit = f.exit;
            } else {
                fatal = Bytes.text(String.valueOf(e.getMessage()));
                fatalExit = 255;
            }
            halted = true;
            if (pool != null) {
                stopAll();
            }
        }
        if (inflight == 0) {
            finished.countDown();
        }
    }

    private void ended(Running r, Outcome result) {
        inflight--;
        boolean ok = result.succeeded();
        boolean retry = !ok && r.attempt() < retries && !halted && result.status() != JobStatus.CANCELLED;
        if (retry) {
            forgetLineBuffer(r);
            freeSlot(r.slot());
            retryQueue.add(r);
            feed();
            return;
        }
        freeSlot(r.slot());
        done++;
        if (pipe) {
            try {
                Files.deleteIfExists(Path.of(r.args().get(0).get(0)));
            } catch (IOException e) {
                // the directory goes at the end
            }
        }
        boolean timedOutNow = result.status() == JobStatus.TIMED_OUT || r.killedByUs()[0];
        if (ok) {
            succeeded++;
            runtimesMillis.add(result.runtime().toMillis());
        } else if (timedOutNow) {
            timedOut++;
            printer.message("procpool: Warning: This job was killed because it timed out:");
            printer.message("procpool: Warning: " + r.command());
        } else if (result.status() == JobStatus.CANCELLED) {
            killed++;
        } else {
            failed++;
        }
        if (result.status() == JobStatus.START_FAILED) {
            printer.message("procpool: " + r.command() + ": " + Bytes.text(result.error() == null ? "cannot start" : result.error()));
        }
        int exitval = timedOutNow ? -1 : result.status() == JobStatus.START_FAILED ? 127
                : result.signalNumber() != 0 ? 0 : result.exitCode();
        int signal = result.signalNumber();
        log(r, result, exitval, signal);
        output(r, result);
        if (json) {
            // JSON carries text: byte strings as UTF-8 (a byte that is not UTF-8 becomes U+FFFD there)
            List<String> argText = new ArrayList<>();
            for (List<String> record : r.args()) {
                record.forEach(a -> argText.add(Bytes.utf8(a)));
            }
            summary.add(Json.job(r.seq(), argText, Bytes.utf8(r.command()), result.status().name(), exitval, signal,
                    result.start().map(s -> s.toEpochMilli() / 1000.0).orElse(0.0), result.runtime().toMillis() / 1000.0));
        }
        lastArg = r.args().isEmpty() ? "" : String.join(" ", r.args().get(r.args().size() - 1));
        checkHalt(ok, signal != 0 ? 128 + signal : exitval, r);
        progress.update(done, total, stdinInputs == null || stdinInputs.eof(), lastArg);
        feed();
    }

    /**
     * GNU parallel's rules, after each job: the jobs that count (failed, succeeded or all done)
     * reach N, or N% of all the jobs. The exit status of a halt on failures (or on done) is then the
     * job's own status (128 + signal when a signal ended it) if the limit is one job, else the number
     * of failed jobs (at most 101), or their percentage of all the jobs, rounded up.
     */
    private void checkHalt(boolean ok, int status, Running r) {
        if (halted || haltRule.never()) {
            return;
        }
        int count;
        switch (haltRule.counted()) {
            case FAIL -> {
                if (ok) {
                    return;
                }
                count = failed + timedOut;
            }
            case SUCCESS -> {
                if (!ok) {
                    return;
                }
                count = succeeded;
            }
            default -> count = (int) done;
        }
        // with streamed input the total is what has been read so far
        double limit = haltRule.percent() ? Math.max(1, total) * haltRule.value() / 100.0 : haltRule.value();
        if (count < limit) {
            return;
        }
        halted = true;
        haltExit = haltRule.counted() == Halt.Counted.SUCCESS ? 0
                : limit == 1 ? status
                : haltRule.percent() ? percentFailed()
                : Math.min(failed + timedOut, 101);
        // as GNU parallel: which job made the run stop, in words and by its command line
        printer.message("procpool: This job " + (ok ? "succeeded" : "failed") + ":");
        printer.message(r.command());
        printer.message("procpool: Halting (--halt " + halt + ")" + (haltRule.now() ? ": killing the running jobs"
                : ": waiting for the running jobs"));
        if (haltRule.now()) {
            stopAll();
        } else {
            // soon: what runs finishes; what waits for a slot never starts. This runs on the pool's job
            // thread before it dispatches the next job, so "not dispatched" is stable here.
            List<Running> waiting;
            synchronized (running) {
                waiting = running.stream().filter(x -> !x.isDispatched()).toList();
            }
            waiting.forEach(Running::cancel);
            retryQueue.clear();
        }
    }

    private void log(Running r, Outcome result, int exitval, int signal) {
        if (joblogOut == null) {
            return;
        }
        double start = result.start().map(s -> s.toEpochMilli() / 1000.0).orElse(System.currentTimeMillis() / 1000.0);
        String line = String.format(Locale.ROOT, "%d\t%s\t%.3f\t%10.3f\t0\t%d\t%d\t%d\t", r.seq(), r.host, start,
                result.runtime().toMillis() / 1000.0, result.stdout().length, exitval, signal) + r.command() + "\n";
        try {
            joblogOut.write(Bytes.bytes(line));
            joblogOut.flush();
        } catch (IOException e) {
            throw new Fatal("cannot write --joblog '" + joblog + "': " + Bytes.text(String.valueOf(e.getMessage())), 255);
        }
    }

    private String tagOf(Running r) {
        if (pipe && tagTemplate == null) {
            return tag ? "" : null;
        }
        if (tagTemplate != null) {
            return tagTemplate.expandUnquoted(jobArgs(r.args()), r.seq(), r.slot());
        }
        if (!tag) {
            return null;
        }
        List<String> all = new ArrayList<>();
        for (List<String> record : r.args()) {
            all.addAll(record);
        }
        return String.join(" ", all);
    }

    private void output(Running r, Outcome result) {
        if (results != null) {
            writeResults(r, result);
        }
        if (json || results != null || ungroup && r.host.equals(":")) {
            printer.nothing(r.seq());
            return;
        }
        if (r.lineBufferFile() != null) {
            printLines(r, true);
            forgetLineBuffer(r);
            printer.job(r.seq(), new byte[0], result.stderr(), tagOf(r));
            return;
        }
        printer.job(r.seq(), result.stdout(), result.stderr(), tagOf(r));
    }

    // ---- --line-buffer: stdout goes to a file per job, whole lines of it are printed as they come ----

    private final Map<Running, Long> lineBuffers = new HashMap<>();

    private synchronized void printLines() {
        try {
            for (Running r : new ArrayList<>(lineBuffers.keySet())) {
                printLines(r, false);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void printLines(Running r, boolean last) {
        Long offset = lineBuffers.get(r);
        if (offset == null) {
            return;
        }
        byte[] bytes;
        try (var ch = Files.newByteChannel(r.lineBufferFile(), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= offset) {
                return;
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(size - offset, 1 << 24));
            ch.position(offset);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // fill
            }
            bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (NoSuchFileException e) {
            return; // not started yet
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int end = bytes.length;
        if (!last) {
            while (end > 0 && bytes[end - 1] != '\n') {
                end--;
            }
        }
        if (end == 0) {
            return;
        }
        byte[] chunk = java.util.Arrays.copyOf(bytes, end);
        lineBuffers.put(r, offset + end);
        String t = tagOf(r);
        printer.stdout(t == null ? chunk : Printer.tagLines(t, chunk));
        if (last && end < bytes.length) {
            printLines(r, true);
        }
    }

    private void forgetLineBuffer(Running r) {
        if (lineBuffers.remove(r) != null) {
            try {
                Files.deleteIfExists(r.lineBufferFile());
            } catch (IOException e) {
                // a temporary file; the directory goes at the end
            }
        }
    }

    // ---- --results ----

    /** Checks up front that --results is (or can be made) a directory, as GNU's mkdir would fail. */
    private void prepareResults() {
        Path dir = Bytes.nativePath(results);
        if (dir == null) {
            Bytes.Helper h;
            try {
                h = Bytes.sh("mkdir -p -- \"$1\" && test -w \"$1\"", null, results);
            } catch (IOException e) {
                throw new Fatal("cannot make --results directory '" + results + "': " + Bytes.text(e.getMessage()), 255);
            }
            if (h.exit() != 0) {
                throw new Fatal("cannot make --results directory '" + results + "': " + Bytes.text(h.err()), 255);
            }
            return;
        }
        try {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new AccessDeniedException(dir.toString());
            }
        } catch (IOException e) {
            throw resultsError(results, e);
        }
    }

    /** GNU parallel dies with mkdir's errno: 17 when a file is in the way, 2 when a parent is missing. */
    private static Fatal resultsError(String path, IOException e) {
        int errno;
        String why;
        if (e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException
                || e instanceof FileSystemException fse && "Not a directory".equals(fse.getReason())) {
            errno = 17;
            why = "a file (not a directory) is in the way";
        } else if (e instanceof NoSuchFileException) {
            errno = 2;
            why = "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            errno = 13;
            why = "permission denied";
        } else {
            errno = 255;
            why = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : String.valueOf(e.getMessage());
        }
        return new Fatal("cannot write --results '" + path + "': " + Bytes.text(why), errno);
    }

    private void writeResults(Running r, Outcome result) {
        String d = results;
        int i = 0;
        for (List<String> record : r.args()) {
            for (String v : record) {
                d = d + "/" + (++i) + "/" + escapeForPath(v);
            }
        }
        Path native_ = Bytes.nativePath(d);
        try {
            if (native_ != null) {
                Files.createDirectories(native_);
                Files.write(native_.resolve("stdout"), result.stdout());
                Files.write(native_.resolve("stderr"), result.stderr());
                Files.writeString(native_.resolve("seq"), Long.toString(r.seq()));
                return;
            }
            // a path the JVM cannot spell under this locale: written here, moved there by the shell
            Path tmp = Files.createTempDirectory("procpool-results-");
            try {
                Files.write(tmp.resolve("stdout"), result.stdout());
                Files.write(tmp.resolve("stderr"), result.stderr());
                Files.writeString(tmp.resolve("seq"), Long.toString(r.seq()));
                Bytes.Helper h = Bytes.sh("mkdir -p -- \"$1\" && mv -f -- \"$2/stdout\" \"$2/stderr\" \"$2/seq\" \"$1/\"",
                        null, d, tmp.toString());
                if (h.exit() != 0) {
                    throw new Fatal("cannot write --results '" + d + "': " + Bytes.text(h.err()), 255);
                }
            } finally {
                deleteTree(tmp);
            }
        } catch (IOException e) {
            throw resultsError(d, e);
        }
    }

    /** GNU parallel's escaping of an argument as a directory name. */
    static String escapeForPath(String arg) {
        String s = arg.replace("\\", "\\\\").replace("/", "\\_");
        return s.isEmpty() ? "\\0" : s.equals(".") ? "\\." : s.equals("..") ? "\\.\\." : s;
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // temporary files: best effort
        }
    }

    /** For --timeout N%: kills running jobs past N% of the median runtime of the jobs done so far. */
    private void killSlowJobs() {
        long limit;
        synchronized (this) {
            if (runtimesMillis.size() < 3) {
                return;
            }
            List<Long> sorted = new ArrayList<>(runtimesMillis);
            Collections.sort(sorted);
            limit = (long) (sorted.get(sorted.size() / 2) * timeoutPercent / 100.0);
        }
        long now = System.currentTimeMillis();
        List<Running> snapshot;
        synchronized (running) {
            snapshot = new ArrayList<>(running);
        }
        for (Running r : snapshot) {
            java.time.Instant at = r.dispatchedAt();
            if (at != null && now - at.toEpochMilli() > Math.max(limit, 1)) {
                r.killedByUs()[0] = true;
                r.cancel();
            }
        }
    }

    // ---- input ----

    private List<Source> parseSources(List<String> command) {
        List<Source> sources = new ArrayList<>();
        String mode = null;
        boolean linked = false;
        for (String w : words) {
            if (w.equals(":::") || w.equals("::::") || w.equals(":::+") || w.equals("::::+")) {
                mode = w.startsWith("::::") ? "::::" : ":::";
                linked = w.endsWith("+");
                if (linked && sources.isEmpty()) {
                    throw bad(w + " links to the input source before it, and there is none");
                }
                if (mode.equals(":::")) {
                    sources.add(new Source(new ArrayList<>(), linked));
                }
                continue;
            }
            if (mode == null) {
                command.add(w);
            } else if (mode.equals(":::")) {
                sources.get(sources.size() - 1).values().add(w);
            } else {
                sources.add(new Source(readRecords(w), linked));
                linked = false; // only the first file after ::::+ is linked
            }
        }
        for (String f : argFiles) {
            sources.add(new Source(readRecords(f), false));
        }
        if (sources.isEmpty()) {
            sources.add(new Source(STDIN, false));
        }
        if (command.isEmpty() && sources.size() > 1) {
            throw bad("no command given (the arguments of several sources cannot be commands)");
        }
        return sources;
    }

    /** An input file's records; "-" is stdin. */
    private List<String> readRecords(String file) {
        if (file.equals("-")) {
            return STDIN;
        }
        InputStream in;
        Path p = Bytes.nativePath(file);
        try {
            if (p != null) {
                if (Files.isDirectory(p)) {
                    throw new Fatal("Cannot open input file '" + file + "': Is a directory", 255);
                }
                in = Files.newInputStream(p);
            } else {
                Bytes.Helper h = Bytes.sh("exec cat -- \"$1\"", null, file);
                if (h.exit() != 0) {
                    throw new Fatal("Cannot open input file '" + file + "': " + Bytes.text(h.err()), 255);
                }
                in = new java.io.ByteArrayInputStream(h.out());
            }
        } catch (NoSuchFileException e) {
            throw new Fatal("Cannot open input file '" + file + "': No such file or directory", 255);
        } catch (AccessDeniedException e) {
            throw new Fatal("Cannot open input file '" + file + "': Permission denied", 255);
        } catch (IOException e) {
            throw new Fatal("Cannot open input file '" + file + "': " + Bytes.text(String.valueOf(e.getMessage())), 255);
        }
        try (in) {
            return readRecords(in);
        } catch (IOException e) {
            throw new Fatal("Cannot read input file '" + file + "': " + Bytes.text(String.valueOf(e.getMessage())), 255);
        }
    }

    private List<String> readRecords(InputStream in) throws IOException {
        Records r = new Records(in, delimiterByte, this::warnDirect);
        List<String> out = new ArrayList<>();
        for (String s; (s = r.next()) != null; ) {
            out.add(s);
        }
        return out;
    }

    /**
     * Every combination of the sources (linked ones value by value), stdin read whole. With
     * --header, the first value of each source names its column ({name}; with --colsep, its
     * columns) and is no argument.
     */
    private List<List<String>> readAll(List<Source> sources, Map<String, Integer> names) throws IOException {
        List<List<List<String>>> groups = new ArrayList<>();
        int position = 1;
        for (Source s : sources) {
            List<String> values = s.values() == STDIN ? readRecords(System.in) : s.values();
            if (header != null && !values.isEmpty()) {
                for (String name : colsep == null ? new String[] {values.get(0)} : values.get(0).split(colsep, -1)) {
                    names.putIfAbsent(name, position++);
                }
                values = values.subList(1, values.size());
            }
            List<List<String>> asRecords = new ArrayList<>(values.size());
            for (String v : values) {
                asRecords.add(List.of(v));
            }
            if (s.linked() && !groups.isEmpty()) {
                // :::+ pairs values by position; the shorter source ends the pairs, as in GNU parallel
                List<List<String>> prev = groups.get(groups.size() - 1);
                List<List<String>> zipped = new ArrayList<>();
                for (int i = 0; i < Math.min(prev.size(), asRecords.size()); i++) {
                    List<String> both = new ArrayList<>(prev.get(i));
                    both.addAll(asRecords.get(i));
                    zipped.add(both);
                }
                groups.set(groups.size() - 1, zipped);
            } else {
                groups.add(asRecords);
            }
        }
        List<List<String>> out = new ArrayList<>();
        out.add(List.of());
        for (List<List<String>> g : groups) {
            List<List<String>> next = new ArrayList<>(out.size() * Math.max(1, g.size()));
            for (List<String> prefix : out) {
                for (List<String> v : g) {
                    List<String> l = new ArrayList<>(prefix.size() + v.size());
                    l.addAll(prefix);
                    l.addAll(v);
                    next.add(l);
                }
            }
            out = next;
        }
        return out;
    }

    private List<List<String>> splitColumns(List<List<String>> records) {
        Pattern p = Pattern.compile(colsep);
        List<List<String>> out = new ArrayList<>(records.size());
        for (List<String> rec : records) {
            List<String> cols = new ArrayList<>();
            for (String v : rec) {
                cols.addAll(List.of(p.split(v, -1)));
            }
            out.add(cols);
        }
        return out;
    }

    /** Records into jobs: one each, N each (-N, -n), or as many as fit (-X, -m, --xargs). */
    private List<List<List<String>>> batch(List<List<String>> records) {
        List<List<List<String>>> out = new ArrayList<>();
        if (!(contextReplace || multiple || xargs)) {
            int n = Math.max(1, batchSize);
            for (int i = 0; i < records.size(); i += n) {
                out.add(records.subList(i, Math.min(records.size(), i + n)));
            }
            return out;
        }
        // -X and -m spread the arguments over the job slots (GNU: 5 arguments on 2 slots: 3 and 2)
        int perJob = xargs ? Integer.MAX_VALUE : (int) Math.ceil(records.size() / (double) slots);
        List<List<String>> cur = new ArrayList<>();
        for (List<String> rec : records) {
            cur.add(rec);
            boolean tooLong = cur.size() > 1 && template.expand(cur, 1, 1).length() > MAX_LINE;
            if (tooLong) {
                cur.remove(cur.size() - 1);
                out.add(cur);
                cur = new ArrayList<>();
                cur.add(rec);
            }
            if (cur.size() >= perJob) {
                out.add(cur);
                cur = new ArrayList<>();
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    private Set<Long> readJoblogSkips() throws IOException {
        if (!(resume || resumeFailed)) {
            return Set.of();
        }
        Path p = Bytes.nativePath(joblog);
        byte[] content;
        if (p != null) {
            if (!Files.exists(p)) {
                return Set.of();
            }
            content = Files.readAllBytes(p);
        } else {
            Bytes.Helper h = Bytes.sh("test -e \"$1\" || exit 0; exec cat -- \"$1\"", null, joblog);
            content = h.out();
        }
        Set<Long> s = new HashSet<>();
        for (String line : Bytes.of(content).split("\n")) {
            String[] f = line.split("\t", 9);
            if (f.length < 9 || f[0].equals("Seq")) {
                continue;
            }
            try {
                long seq = Long.parseLong(f[0].strip());
                boolean ok = f[6].strip().equals("0") && f[7].strip().equals("0");
                if (resume || ok) {
                    s.add(seq);
                }
            } catch (NumberFormatException e) {
                // not a job line
            }
        }
        return s;
    }

    private static final String JOBLOG_HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

    private void openJoblog() throws IOException {
        if (joblog == null) {
            return;
        }
        if (joblog.equals("-")) {
            joblogOut = new java.io.FilterOutputStream(stdout) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    printer.stdout(java.util.Arrays.copyOfRange(b, off, off + len));
                }

                @Override
                public void close() throws IOException {
                    flush(); // stdout stays open
                }
            };
            joblogOut.write(Bytes.bytes(JOBLOG_HEADER));
            return;
        }
        Path p = Bytes.nativePath(joblog);
        boolean append;
        if (p == null) {
            // a name the JVM cannot spell under this locale: a shell child holds the file
            Bytes.Helper check = Bytes.sh("test -d \"$1\" && exit 21; : >> \"$1\"", null, joblog);
            if (check.exit() != 0) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": "
                        + (check.exit() == 21 ? "it is a directory" : Bytes.text(check.err())), 255);
            }
            append = resume || resumeFailed;
            Process cat = new ProcessBuilder(Bytes.processArguments(List.of("/bin/sh", "-c",
                    (append ? "exec cat >> \"$1\"" : "exec cat > \"$1\""), "sh", joblog)))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            joblogOut = new java.io.FilterOutputStream(cat.getOutputStream()) {
                @Override
                public void close() throws IOException {
                    super.close();
                    try {
                        cat.waitFor(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
        } else {
            if (Files.isDirectory(p)) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": it is a directory", 255);
            }
            append = (resume || resumeFailed) && Files.exists(p);
            try {
                joblogOut = new java.io.BufferedOutputStream(Files.newOutputStream(p, StandardOpenOption.CREATE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
            } catch (NoSuchFileException e) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": no such directory", 255);
            } catch (AccessDeniedException e) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": permission denied", 255);
            } catch (IOException e) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": " + Bytes.text(String.valueOf(e.getMessage())), 255);
            }
        }
        if (!append) {
            joblogOut.write(Bytes.bytes(JOBLOG_HEADER));
            joblogOut.flush();
        }
    }

    private void warn(String message) {
        // called with the run's lock held (the stdin reader)
        if (printer != null) {
            printer.message("procpool: Warning: " + message);
        } else {
            warnDirect(message);
        }
    }

    private void warnDirect(String message) {
        try {
            stderr.write(Bytes.bytes("procpool: Warning: " + message + "\n"));
            stderr.flush();
        } catch (IOException e) {
            // stderr gone: nothing to tell
        }
    }

    // ---- option values ----

    private int parseJobs() {
        int cores = Runtime.getRuntime().availableProcessors();
        if (jobs == null) {
            return cores;
        }
        String j = jobs.strip();
        int n;
        try {
            if (j.endsWith("%")) {
                n = (int) (cores * Double.parseDouble(j.substring(0, j.length() - 1)) / 100.0);
            } else if (j.startsWith("+")) {
                n = cores + Integer.parseInt(j.substring(1));
            } else if (j.startsWith("-")) {
                n = cores - Integer.parseInt(j.substring(1));
            } else {
                n = Integer.parseInt(j);
                if (n == 0) {
                    n = 256; // GNU: as many as possible; procpool caps it
                }
            }
        } catch (NumberFormatException e) {
            throw bad("Parsing of --jobs/-j/--max-procs/-P failed: '" + jobs + "' (use N, N%, +N or -N)");
        }
        if (n < 1) {
            throw new Fatal("Cannot run any jobs: -j " + jobs + " gives " + n + " job slots on " + cores + " cores", 255);
        }
        return n;
    }

    /**
     * -S [N/]HOST:PORT...: the job slots, N per server (default: -j, else this machine's cores); ':'
     * adds this machine. The token comes from --token-file or $PROCPOOL_TOKEN, as for the servers.
     */
    private void parseServers() {
        if (servers.isEmpty()) {
            if (tokenFile != null || tlsTrustStore != null) {
                throw bad("--token-file and --tls-truststore are for -S HOST:PORT");
            }
            return;
        }
        remote = true;
        int perServer = jobs == null ? Runtime.getRuntime().availableProcessors() : slots;
        java.util.regex.Matcher m;
        for (String spec : servers) {
            for (String one : spec.split(",")) {
                m = Pattern.compile("(?:(\\d+)/)?(.*)").matcher(one.strip());
                m.matches();
                int n = m.group(1) == null ? perServer : Integer.parseInt(m.group(1));
                String where = m.group(2);
                if (n < 1) {
                    throw bad("-S " + one + ": a server needs at least 1 job slot");
                }
                Server server = null;
                if (!where.equals(":")) {
                    int colon = where.lastIndexOf(':');
                    int port;
                    try {
                        port = colon < 0 ? -1 : Integer.parseInt(where.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (colon <= 0 || port < 1 || port > 65535) {
                        throw bad("-S " + one + ": expected [N/]HOST:PORT of a procpool worker-server (or ':' for this machine)");
                    }
                    String host = where.substring(0, colon).replaceAll("^\\[|\\]$", "");
                    server = new Server(where, host, port, token(), tls());
                }
                for (int i = 0; i < n; i++) {
                    slotServer.add(server);
                }
            }
        }
        slots = slotServer.size();
    }

    private byte[] cachedToken;

    private byte[] token() {
        if (cachedToken == null) {
            try {
                dev.procpool.remote.RemoteOptions.Builder b = dev.procpool.remote.RemoteOptions.builder("localhost", 1);
                if (tokenFile != null) {
                    Path p = Bytes.nativePath(tokenFile);
                    if (p == null) {
                        throw bad("--token-file: the name '" + tokenFile + "' cannot be opened under this locale");
                    }
                    b.tokenFile(p);
                } else {
                    b.tokenFromEnv("PROCPOOL_TOKEN");
                }
                cachedToken = b.build().token().bytes();
            } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
                throw bad("-S needs the worker-servers' token: --token-file FILE or $PROCPOOL_TOKEN ("
                        + Bytes.text(String.valueOf(e.getMessage())) + ")");
            }
        }
        return cachedToken;
    }

    private javax.net.ssl.SSLContext cachedTls;

    private javax.net.ssl.SSLContext tls() {
        if (tlsTrustStore == null) {
            if (tlsPasswordFile != null) {
                throw bad("--tls-password-file goes with --tls-truststore");
            }
            return null;
        }
        if (cachedTls == null) {
            Path store = Bytes.nativePath(tlsTrustStore);
            Path pw = tlsPasswordFile == null ? null : Bytes.nativePath(tlsPasswordFile);
            try {
                char[] password = pw == null ? new char[0] : Files.readString(pw).strip().toCharArray();
                cachedTls = dev.procpool.remote.RemoteOptions.builder("localhost", 1).token(dev.procpool.Token.random())
                        .tls(store, password).build().sslContext().orElseThrow();
            } catch (IOException | RuntimeException e) {
                throw bad("--tls-truststore " + tlsTrustStore + ": " + Bytes.text(String.valueOf(e.getMessage())));
            }
        }
        return cachedTls;
    }

    private Duration duration(String text, String option) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw bad(option + ": " + e.getMessage());
        }
    }

    private double parseNumber(String text, String option) {
        try {
            double v = Double.parseDouble(text);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw bad(option + ": bad percentage '" + text + "%'");
        }
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private static String shell() {
        String s = System.getenv("PARALLEL_SHELL");
        if (s == null || s.isBlank()) {
            s = System.getenv("SHELL");
        }
        return s == null || s.isBlank() ? "/bin/sh" : Bytes.of(s.getBytes(java.nio.charset.Charset.defaultCharset()));
    }

    private static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        for (String w : line.trim().split(" +")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
