package dev.procpool.cli.run;

import dev.procpool.jobs.Job;
import dev.procpool.jobs.JobHandle;
import dev.procpool.jobs.JobPool;
import dev.procpool.jobs.JobStatus;
import dev.procpool.jobs.Output;
import dev.procpool.remote.RemoteCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code procpool run}'s scheduling: jobs start in free slots on this machine's {@link JobPool} or
 * on the {@code -S} worker-servers ({@link dev.procpool.remote.RemoteCommand}), end, are retried,
 * lost with their server, killed by {@code --timeout N%}; and the {@code --halt} rules with the
 * exit status they give. Runs under the run's lock (this object's).
 */
abstract class RunScheduler extends RunOutput {
    // ---- feeding and finishing, under this object's lock ----

    void feed() {
        try {
            feedUnsafe();
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    void feedUnsafe() {
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
    void noServerLeft() {
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
    long notRunNoServer;

    int liveSlots() {
        int n = 0;
        for (Server s : slotServer) {
            if (s == null || !lostServers.contains(s)) {
                n++;
            }
        }
        return n;
    }

    /** A slot back to the free ones, unless its server was lost. */
    void freeSlot(int slot) {
        if (!remote || slot > slotServer.size() || slotServer.get(slot - 1) == null
                || !lostServers.contains(slotServer.get(slot - 1))) {
            freeSlots.add(slot);
        }
    }

    /** Kills every running job: local ones with their pool, remote ones on their servers. */
    void stopAll() {
        pool.shutdownNow();
        List<Running> all;
        synchronized (running) {
            all = new ArrayList<>(running);
        }
        all.forEach(Running::cancel);
    }

    void submit(long seq, List<List<String>> args, int slot, int attempt) {
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
    void submitRemote(long seq, List<List<String>> args, String line, int slot, int attempt, Server server) {
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
                RemoteCommand call = RemoteCommand.builder(server.options(), wire).timeout(fixedTimeout).id(seq)
                        .connectTimeout(Duration.ofSeconds(10)).start();
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
    void serverLost(Running r, Server server, IOException why, boolean sent) {
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
    @Override
    void fail(RuntimeException e) {
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

    void ended(Running r, Outcome result) {
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
    void checkHalt(boolean ok, int status, Running r) {
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

    int exitCode() {
        if (haltExit != null) {
            return haltExit;
        }
        if (!haltRule.never() && haltRule.percent()) {
            return percentFailed(); // GNU parallel: a percentage rule reports one even when it never halted
        }
        int bad = failed + timedOut + killed;
        return Math.min(bad, 101);
    }

    int percentFailed() {
        return (int) Math.ceil((failed + timedOut) * 100.0 / Math.max(1, total));
    }

    /** For --timeout N%: kills running jobs past N% of the median runtime of the jobs done so far. */
    void killSlowJobs() {
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
}
