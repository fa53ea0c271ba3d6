package dev.procpool.cli.run;

import dev.procpool.jobs.JobHandle;
import java.nio.file.Path;
import java.util.List;

/** A job started and not yet ended (one attempt of it). */
final class Running {
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
