package dev.procpool.cli.run;

import dev.procpool.jobs.JobPool;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;

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
public final class RunCommand extends RunScheduler implements Callable<Integer> {
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

    int runAll() throws Exception {
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

    boolean await(Duration deadline) throws InterruptedException {
        if (deadline == null) {
            finished.await();
            return true;
        }
        return finished.await(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Ctrl-C: the running jobs' trees are killed (the pool's shutdown) and the exit status is GNU's 255. */
    void onInterrupt() {
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
}
