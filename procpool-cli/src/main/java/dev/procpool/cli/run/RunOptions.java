package dev.procpool.cli.run;

import dev.procpool.Token;
import dev.procpool.jobs.JobPool;
import dev.procpool.remote.RemoteOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The first stage of {@code procpool run}: its picocli options, their checks and parsed values
 * ({@code -j}, {@code -S}, the token and TLS, durations), and the state of one run, which every
 * stage after it ({@link RunInputs}, {@link RunOutput}, {@link RunScheduler}, {@link RunCommand})
 * shares. The stages are one object split by responsibility: a run's state is touched on the job
 * pool's threads under that object's lock, so the lock stays one. The options are declared here,
 * in one class, because picocli lists them in declaration order in the help.
 */
abstract class RunOptions {
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
    static final Map<String, String> UNSUPPORTED = unsupported();

    static Map<String, String> unsupported() {
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

    /**
     * Whether the arguments came through {@link RunCommand#rawArguments} (the command line); when
     * the command runs in-process with Java strings instead (Main.commandLine().execute(...)),
     * they are turned into byte strings (UTF-8) first.
     */
    static volatile boolean argumentsAreBytes;

    void argumentsToBytes() {
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
    static final int MAX_LINE = 128 * 1024 - 4096;

    // ---- run state, touched on the job pool's threads under this object's lock ----
    Template template;
    Template tagTemplate;
    JobPool pool;
    Iterator<List<List<String>>> batches;
    /** Set instead of {@link #batches} when the arguments stream from stdin. */
    Streamed stdinInputs;
    int batchSize = 1;
    long nextSeq;
    int inflight;
    int maxInflight;
    int slots;
    final TreeSet<Integer> freeSlots = new TreeSet<>();
    Set<Long> skip = Set.of();
    /** The jobs started and not ended (a copy is taken under its own lock by the timeout watcher). */
    final Set<Running> running = Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    /** Jobs to run again (--retries), before any new input. */
    final java.util.ArrayDeque<Running> retryQueue = new java.util.ArrayDeque<>();
    /** With -S: the server of each job slot (index slot - 1), null for this machine. */
    final List<Server> slotServer = new ArrayList<>();
    final Set<Server> lostServers = new HashSet<>();
    boolean remote;
    java.util.concurrent.ExecutorService remoteThreads;
    final List<Map<String, Object>> summary = new ArrayList<>();
    final List<Long> runtimesMillis = new ArrayList<>();
    int succeeded;
    int failed;
    int timedOut;
    int killed;
    int skipped;
    long total;
    long done;
    Halt haltRule;
    volatile boolean halted;
    Integer haltExit;
    /** A fatal error (e.g. --results cannot be written): the message and exit status. */
    String fatal;
    int fatalExit;
    final CountDownLatch finished = new CountDownLatch(1);
    OutputStream joblogOut;
    OutputStream stdout;
    OutputStream stderr;
    Printer printer;
    Bar progress;
    double timeoutPercent;
    Duration fixedTimeout;
    long delayNanos;
    long nextStartNanos;
    ScheduledExecutorService timers;
    Path lineBufferDir;
    String lastArg;
    int delimiterByte = '\n';
    Path pipeDir;
    int blockBytes = 1 << 20;

    /** Marks the place of stdin among the sources (compared by identity). */
    static final List<String> STDIN = Collections.unmodifiableList(new ArrayList<>());

    void refuseUnsupported() {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (Map.Entry<String, String> e : UNSUPPORTED.entrySet()) {
            if (pr != null && pr.hasMatchedOption(e.getKey())) {
                throw bad(e.getKey() + " is not supported by procpool run: " + e.getValue());
            }
        }
    }

    void checkOptions() {
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

    // ---- option values ----

    int parseJobs() {
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
    void parseServers() {
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
                    RemoteOptions.Builder options = RemoteOptions.builder(host, port).token(token());
                    if (tls() != null) {
                        options.tls(tls());
                    }
                    server = new Server(where, options.build());
                }
                for (int i = 0; i < n; i++) {
                    slotServer.add(server);
                }
            }
        }
        slots = slotServer.size();
    }

    Token cachedToken;

    Token token() {
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
                cachedToken = b.build().token();
            } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
                throw bad("-S needs the worker-servers' token: --token-file FILE or $PROCPOOL_TOKEN ("
                        + Bytes.text(String.valueOf(e.getMessage())) + ")");
            }
        }
        return cachedToken;
    }

    javax.net.ssl.SSLContext cachedTls;

    javax.net.ssl.SSLContext tls() {
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

    Duration duration(String text, String option) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw bad(option + ": " + e.getMessage());
        }
    }

    double parseNumber(String text, String option) {
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

    ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    static String shell() {
        String s = System.getenv("PARALLEL_SHELL");
        if (s == null || s.isBlank()) {
            s = System.getenv("SHELL");
        }
        return s == null || s.isBlank() ? "/bin/sh" : Bytes.of(s.getBytes(java.nio.charset.Charset.defaultCharset()));
    }

    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        for (String w : line.trim().split(" +")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
