package dev.procpool.cli.run;

import dev.procpool.jobs.Job;
import dev.procpool.jobs.JobHandle;
import dev.procpool.jobs.JobPool;
import dev.procpool.jobs.JobResult;
import dev.procpool.jobs.JobStatus;
import dev.procpool.jobs.Output;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code procpool run}: GNU parallel's job runner on procpool's {@link JobPool}.
 *
 * <p>Inputs come from {@code :::} lists (several give every combination, the first varying
 * slowest), {@code ::::} files (one argument a line), or stdin (one a line; when stdin is the only
 * source, jobs start as lines arrive, as in GNU parallel). Each job's stdout and stderr are kept
 * until it ends and printed together (GNU's default {@code --group}), so lines of different jobs
 * never mix; with {@code -k} in input order. A command line with shell syntax runs under {@code $PARALLEL_SHELL}, else {@code $SHELL},
 * else {@code /bin/sh}; a plain one is started directly.
 *
 * <p>Exit status as GNU parallel: 0 when all jobs succeeded, the number of failed jobs up to 100,
 * 101 for more, 255 for bad input or other errors; with {@code --halt}, GNU parallel's rules (the
 * failing job's own status for a limit of one job, the percentage of failed jobs for a percentage).
 */
@Command(name = "run", sortOptions = false, exitCodeOnInvalidInput = 255, exitCodeOnExecutionException = 255,
        description = {"Runs a command once per input, in parallel, GNU parallel style.",
            "  procpool run -j 4 gzip ::: *.log",
            "  procpool run -k --joblog log.tsv 'convert {} {.}.png' :::: files.txt",
            "  find . -name '*.c' | procpool run --timeout 30 cc -c {}"})
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Jobs at once: N, N% of the cores, +N or -N cores (default: the number of cores).")
    String jobs;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Kill a job running longer: seconds, 1h2m3s, 500ms, or N% of the median runtime of the jobs done so far.")
    String timeout;

    @Option(names = "--retries", paramLabel = "N", description = "Run a failed job up to N times in all (default 1).")
    int retries = 1;

    @Option(names = "--halt", paramLabel = "WHEN", description = "never (default), now|soon,fail=N|success=N (or N%%), or GNU's 0, 1, 2.")
    String halt = "never";

    @Option(names = {"-k", "--keep-order"}, description = "Print the output in input order.")
    boolean keepOrder;

    @Option(names = "--tag", description = "Prefix each output line with the job's arguments and a tab.")
    boolean tag;

    @Option(names = "--dry-run", description = "Print the commands, run nothing.")
    boolean dryRun;

    @Option(names = "--joblog", paramLabel = "FILE", description = "Log every job in GNU parallel's format.")
    Path joblog;

    @Option(names = "--resume", description = "Skip the jobs already in --joblog.")
    boolean resume;

    @Option(names = "--resume-failed", description = "Skip the jobs that succeeded in --joblog, run the others again.")
    boolean resumeFailed;

    @Option(names = "--results", paramLabel = "DIR", description = "Keep each job's stdout, stderr and seq in DIR/1/ARG/...; not printed.")
    Path results;

    @Option(names = "--bar", description = "Show a progress bar on stderr.")
    boolean bar;

    @Option(names = "--total-timeout", paramLabel = "DURATION", description = "A deadline for the whole run: what is left is killed.")
    String totalTimeout;

    @Option(names = "--status-port", paramLabel = "PORT",
            description = "Serve a live status page on 127.0.0.1:PORT (0: a free port); its address goes to stderr.")
    Integer statusPort;

    @Option(names = "--json", description = "Print a JSON summary on stdout (job output is then not printed).")
    boolean json;

    @Option(names = {"-a", "--arg-file"}, paramLabel = "FILE", description = "Read arguments from FILE, like ::::.")
    List<Path> argFiles = new ArrayList<>();

    @Option(names = "--will-cite", hidden = true, description = "Accepted for GNU parallel habits; does nothing.")
    boolean willCite;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, then ::: ARGS... or :::: FILES...")
    List<String> words = new ArrayList<>();

    // ---- run state, touched on the job pool's thread (and by main before the first submit) ----
    private Template template;
    private JobPool pool;
    private Iterator<List<String>> inputs;
    /** Set instead of {@link #inputs} when the arguments stream from stdin. */
    private StdinInputs stdinInputs;
    private long nextSeq;
    private int inflight;
    private int maxInflight;
    private int slots;
    private final TreeSet<Integer> freeSlots = new TreeSet<>();
    private Set<Long> skip = Set.of();
    private final Map<JobHandle, Running> running = Collections.synchronizedMap(new HashMap<>());
    private final TreeMap<Long, byte[]> pendingOutput = new TreeMap<>();
    private long nextToPrint = 1;
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
    private final CountDownLatch finished = new CountDownLatch(1);
    private Writer joblogWriter;
    private OutputStream stdout;
    private PrintStream stderr;
    private double timeoutPercent;
    private Duration fixedTimeout;
    private long lastBar;

    /** Marks the place of stdin among the sources (compared by identity). */
    private static final List<String> STDIN = Collections.unmodifiableList(new ArrayList<>());

    private record Running(long seq, List<String> args, String command, int slot, int attempt, boolean[] killedByUs) {
    }

    @Override
    public Integer call() throws Exception {
        stdout = new java.io.FileOutputStream(java.io.FileDescriptor.out);
        stderr = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>();
        List<List<String>> sources = parseSources(command);
        template = new Template(command);
        haltRule = Halt.parse(halt, this::bad);
        slots = parseJobs();
        if (timeout != null) {
            if (timeout.strip().endsWith("%")) {
                timeoutPercent = parseNumber(timeout.strip().substring(0, timeout.strip().length() - 1), "--timeout");
            } else {
                fixedTimeout = duration(timeout, "--timeout");
            }
        }
        Duration deadline = totalTimeout == null ? null : duration(totalTimeout, "--total-timeout");
        if ((resume || resumeFailed) && joblog == null) {
            throw bad("--resume and --resume-failed need --joblog FILE");
        }
        boolean streaming = sources.size() == 1 && sources.get(0) == STDIN;
        List<List<String>> all = streaming ? List.of() : product(readStdinSources(sources));
        total = all.size();
        if (dryRun) {
            long seq = 0;
            Iterable<List<String>> each = streaming ? stdinLines() : all;
            for (List<String> args : each) {
                seq++;
                stdout.write((template.expand(args, seq, (int) ((seq - 1) % slots) + 1) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            stdout.flush();
            return 0;
        }
        skip = readJoblogSkips();
        openJoblog();
        inputs = all.iterator();
        if (streaming) {
            stdinInputs = new StdinInputs(this, this::feed);
        }
        for (int i = 1; i <= slots; i++) {
            freeSlots.add(i);
        }
        maxInflight = template.usesSlot() ? slots : slots * 2;
        long started = System.nanoTime();
        ScheduledExecutorService watcher = null;
        try (JobPool p = JobPool.builder().name("run").slots(slots).grace(Duration.ofMillis(200)).build();
             AutoCloseable status = dev.procpool.cli.StatusPort.serve(statusPort, p::status, stderr)) {
            pool = p;
            if (timeoutPercent > 0) {
                watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "procpool-run-timeouts");
                    t.setDaemon(true);
                    return t;
                });
                watcher.scheduleWithFixedDelay(this::killSlowJobs, 20, 20, TimeUnit.MILLISECONDS);
            }
            synchronized (this) {
                feed();
            }
            if (stdinInputs != null) {
                stdinInputs.start(System.in);
            }
            boolean inTime = deadline == null ? await(null) : await(deadline);
            if (!inTime) {
                synchronized (this) {
                    halted = true;
                }
                pool.shutdownNow();
                pool.join();
                finished.await(30, TimeUnit.SECONDS); // the killed jobs' results are counted
                synchronized (this) {
                    killed += (int) (total - done); // never started
                }
            }
        } finally {
            if (watcher != null) {
                watcher.shutdownNow();
            }
        }
        synchronized (this) {
            flushKeptOutput(true);
            if (joblogWriter != null) {
                joblogWriter.close();
            }
            if (bar) {
                stderr.println();
            }
            int exit = exitCode();
            if (json) {
                stdout.write(Json.summary(total, succeeded, failed, timedOut, killed, skipped, exit,
                        (System.nanoTime() - started) / 1e9, summary).getBytes(StandardCharsets.UTF_8));
            }
            stdout.flush();
            return exit;
        }
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

    // ---- feeding and finishing, under this object's lock ----

    private void feed() {
        while (!halted && inflight < maxInflight && inputReady()) {
            List<String> args = nextInput();
            long seq = ++nextSeq;
            if (skip.contains(seq)) {
                skipped++;
                done++;
                if (keepOrder) {
                    pendingOutput.put(seq, new byte[0]);
                    flushKeptOutput(false);
                }
                continue;
            }
            int slot = freeSlots.isEmpty() ? 1 : freeSlots.pollFirst();
            submit(seq, args, slot, 1);
        }
        if ((halted || inputExhausted()) && inflight == 0) {
            finished.countDown();
        }
    }

    private boolean inputReady() {
        return stdinInputs == null ? inputs.hasNext() : stdinInputs.ready();
    }

    private List<String> nextInput() {
        if (stdinInputs == null) {
            return inputs.next();
        }
        total++;
        return stdinInputs.next();
    }

    private boolean inputExhausted() {
        return stdinInputs == null ? !inputs.hasNext() : stdinInputs.exhausted();
    }

    private void submit(long seq, List<String> args, int slot, int attempt) {
        String line = template.expand(args, seq, slot);
        List<String> argv = Template.needsShell(line) ? List.of(shell(), "-c", line) : split(line);
        Job.Builder b = Job.builder(argv).name(Long.toString(seq));
        if (results != null || !json) {
            b.stdout(Output.pipe()).stderr(Output.pipe());
        } else {
            b.stdout(Output.discard()).stderr(Output.discard());
        }
        if (fixedTimeout != null) {
            b.timeout(fixedTimeout);
        }
        inflight++;
        Running r = new Running(seq, args, line, slot, attempt, new boolean[1]);
        JobHandle h = pool.submit(b.build());
        running.put(h, r);
        h.future().thenAccept(result -> {
            synchronized (this) {
                running.remove(h);
                ended(r, result);
            }
        });
    }

    private void ended(Running r, JobResult result) {
        inflight--;
        boolean ok = result.succeeded();
        boolean retry = !ok && r.attempt() < retries && !halted && result.status() != JobStatus.CANCELLED;
        if (retry) {
            submit(r.seq(), r.args(), r.slot(), r.attempt() + 1);
            return;
        }
        freeSlots.add(r.slot());
        done++;
        boolean timedOutNow = result.status() == JobStatus.TIMED_OUT || r.killedByUs()[0];
        if (ok) {
            succeeded++;
            runtimesMillis.add(result.runtime().toMillis());
        } else if (timedOutNow) {
            timedOut++;
            stderr.println("procpool: Warning: This job was killed because it timed out:");
            stderr.println("procpool: Warning: " + r.command());
        } else if (result.status() == JobStatus.CANCELLED) {
            killed++;
        } else {
            failed++;
        }
        if (result.status() == JobStatus.START_FAILED) {
            stderr.println("procpool: " + r.command() + ": " + result.error().orElse("cannot start"));
        }
        int exitval = timedOutNow ? -1 : result.status() == JobStatus.START_FAILED ? 127
                : result.signalNumber() != 0 ? 0 : result.exitCode();
        int signal = timedOutNow ? (result.signalNumber() == 0 ? 15 : result.signalNumber()) : result.signalNumber();
        if (result.status() != JobStatus.CANCELLED || timedOutNow) {
            log(r, result, exitval, signal);
            output(r, result);
        }
        if (json) {
            summary.add(Json.job(r.seq(), r.args(), r.command(), result.status().name(), exitval, signal,
                    result.start().map(s -> s.toEpochMilli() / 1000.0).orElse(0.0), result.runtime().toMillis() / 1000.0));
        }
        checkHalt(ok, signal != 0 ? 128 + signal : exitval);
        progress();
        feed();
    }

    /**
     * GNU parallel's rules, after each job: the jobs that count (failed, succeeded or all done)
     * reach N, or N% of all the jobs. The exit status of a halt on failures (or on done) is then the
     * job's own status (128 + signal when a signal ended it) if the limit is one job, else the number
     * of failed jobs (at most 101), or their percentage of all the jobs, rounded up.
     */
    private void checkHalt(boolean ok, int status) {
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
        stderr.println("procpool: This job " + (ok ? "succeeded" : "failed") + "; halting (" + halt + ")");
        if (haltRule.now()) {
            pool.shutdownNow();
        } else {
            // soon: what runs finishes; what waits for a slot never starts. This runs on the pool's job
            // thread before it dispatches the next job, so "not dispatched" is stable here.
            List<JobHandle> waiting;
            synchronized (running) {
                waiting = running.keySet().stream().filter(h -> h.dispatched().isEmpty()).toList();
            }
            waiting.forEach(JobHandle::cancel);
        }
    }

    private void log(Running r, JobResult result, int exitval, int signal) {
        if (joblogWriter == null) {
            return;
        }
        double start = result.start().map(s -> s.toEpochMilli() / 1000.0).orElse(System.currentTimeMillis() / 1000.0);
        try {
            joblogWriter.write(String.format(Locale.ROOT, "%d\t:\t%.3f\t%10.3f\t0\t%d\t%d\t%d\t%s%n", r.seq(), start,
                    result.runtime().toMillis() / 1000.0, result.stdout().length, exitval, signal, r.command()));
            joblogWriter.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void output(Running r, JobResult result) {
        if (results != null) {
            writeResults(r, result);
        }
        byte[] bytes = json || results != null ? new byte[0] : render(r, result);
        if (keepOrder) {
            pendingOutput.put(r.seq(), bytes);
            flushKeptOutput(false);
        } else {
            write(bytes);
        }
    }

    private byte[] render(Running r, JobResult result) {
        byte[] out = result.stdout();
        byte[] err = result.stderr();
        if (!tag) {
            if (err.length > 0) {
                // stderr goes to stderr, right after the job's stdout
                write(out);
                stderr.write(err, 0, err.length);
                stderr.flush();
                return new byte[0];
            }
            return out;
        }
        String prefix = String.join(" ", r.args()) + "\t";
        byte[] tagged = tagLines(prefix, result.stdoutText());
        if (err.length > 0) {
            write(tagged);
            byte[] e = tagLines(prefix, result.stderrText());
            stderr.write(e, 0, e.length);
            stderr.flush();
            return new byte[0];
        }
        return tagged;
    }

    private static byte[] tagLines(String prefix, String text) {
        if (text.isEmpty()) {
            return new byte[0];
        }
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty() && sb.length() > 0 && text.endsWith("\n")) {
                continue;
            }
            sb.append(prefix).append(line).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void flushKeptOutput(boolean all) {
        while (!pendingOutput.isEmpty() && (pendingOutput.firstKey() == nextToPrint || all)) {
            Map.Entry<Long, byte[]> e = pendingOutput.pollFirstEntry();
            write(e.getValue());
            nextToPrint = e.getKey() + 1;
        }
    }

    private void write(byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        try {
            stdout.write(bytes);
            stdout.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeResults(Running r, JobResult result) {
        Path d = results;
        for (int i = 0; i < r.args().size(); i++) {
            d = d.resolve(Integer.toString(i + 1)).resolve(escapeForPath(r.args().get(i)));
        }
        try {
            Files.createDirectories(d);
            Files.write(d.resolve("stdout"), result.stdout());
            Files.write(d.resolve("stderr"), result.stderr());
            Files.writeString(d.resolve("seq"), Long.toString(r.seq()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + d + ": " + e.getMessage(), e);
        }
    }

    /** GNU parallel's escaping of an argument as a directory name. */
    static String escapeForPath(String arg) {
        String s = arg.replace("\\", "\\\\").replace("/", "\\_");
        return s.isEmpty() ? "\\0" : s.equals(".") ? "\\." : s.equals("..") ? "\\.\\." : s;
    }

    private void progress() {
        if (!bar) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastBar < 100_000_000L) {
            return;
        }
        lastBar = now;
        int pct = total == 0 ? 100 : (int) (done * 100 / total);
        int width = 30;
        int filled = pct * width / 100;
        stderr.print("\r" + pct + "% " + done + ":" + (total - done) + " [" + "#".repeat(filled)
                + " ".repeat(width - filled) + "]");
        stderr.flush();
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
        List<Map.Entry<JobHandle, Running>> snapshot;
        synchronized (running) {
            snapshot = new ArrayList<>(running.entrySet());
        }
        for (Map.Entry<JobHandle, Running> e : snapshot) {
            JobHandle h = e.getKey();
            if (h.dispatched().isPresent() && now - h.dispatched().get().toEpochMilli() > Math.max(limit, 1)) {
                e.getValue().killedByUs()[0] = true;
                h.cancel();
            }
        }
    }

    // ---- input ----

    private List<List<String>> parseSources(List<String> command) throws IOException {
        List<List<String>> sources = new ArrayList<>();
        String mode = null;
        for (String w : words) {
            if (w.equals(":::") || w.equals("::::")) {
                mode = w;
                sources.add(new ArrayList<>());
                if (w.equals("::::")) {
                    sources.remove(sources.size() - 1);
                }
                continue;
            }
            if (mode == null) {
                command.add(w);
            } else if (mode.equals(":::")) {
                sources.get(sources.size() - 1).add(w);
            } else {
                sources.add(readLines(Path.of(w)));
            }
        }
        for (Path f : argFiles) {
            sources.add(readLines(f));
        }
        if (sources.isEmpty()) {
            sources.add(STDIN);
        }
        if (command.isEmpty() && sources.size() > 1) {
            throw bad("no command given (the arguments of several sources cannot be commands)");
        }
        return sources;
    }

    private List<String> readLines(Path file) throws IOException {
        if (file.toString().equals("-")) {
            return STDIN;
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw bad("cannot open input file '" + file + "': no such file");
        } catch (IOException e) {
            throw bad("cannot read input file '" + file + "': " + e.getMessage());
        }
    }

    /** Stdin as one of several sources: read whole, since every combination needs all of it. */
    private static List<List<String>> readStdinSources(List<List<String>> sources) throws IOException {
        List<List<String>> out = new ArrayList<>(sources);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) == STDIN) {
                List<String> lines = new ArrayList<>();
                for (List<String> line : stdinLines()) {
                    lines.add(line.get(0));
                }
                out.set(i, lines);
            }
        }
        return out;
    }

    /** Stdin's lines, read as iterated. */
    private static Iterable<List<String>> stdinLines() {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return () -> in.lines().map(List::of).iterator();
    }

    private static List<List<String>> product(List<List<String>> sources) {
        List<List<String>> out = new ArrayList<>();
        out.add(List.of());
        for (List<String> source : sources) {
            List<List<String>> next = new ArrayList<>(out.size() * Math.max(1, source.size()));
            for (List<String> prefix : out) {
                for (String v : source) {
                    List<String> l = new ArrayList<>(prefix);
                    l.add(v);
                    next.add(l);
                }
            }
            out = next;
        }
        return out;
    }

    private Set<Long> readJoblogSkips() throws IOException {
        if (!(resume || resumeFailed) || !Files.exists(joblog)) {
            return Set.of();
        }
        Set<Long> s = new HashSet<>();
        for (String line : Files.readAllLines(joblog, StandardCharsets.UTF_8)) {
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

    private void openJoblog() throws IOException {
        if (joblog == null) {
            return;
        }
        if (joblog.toString().equals("-")) {
            joblogWriter = new java.io.OutputStreamWriter(new java.io.FilterOutputStream(stdout) {
                @Override
                public void close() throws IOException {
                    flush(); // stdout stays open
                }
            }, StandardCharsets.UTF_8);
            joblogWriter.write("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n");
            joblogWriter.flush();
            return;
        }
        boolean append = (resume || resumeFailed) && Files.exists(joblog);
        try {
            joblogWriter = Files.newBufferedWriter(joblog, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw bad("cannot write --joblog '" + joblog + "': no such directory");
        }
        if (!append) {
            joblogWriter.write("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n");
            joblogWriter.flush();
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
            throw bad("bad -j value '" + jobs + "' (use N, N%, +N or -N)");
        }
        return Math.max(1, n);
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
        return s == null || s.isBlank() ? "/bin/sh" : s;
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
