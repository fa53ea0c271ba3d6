package dev.procpool.cli.run;

import dev.procpool.jobs.JobResult;
import dev.procpool.jobs.JobStatus;
import java.time.Duration;

/** How a job ended, locally or on a worker-server. */
record Outcome(JobStatus status, int exitCode, int signalNumber, java.util.Optional<java.time.Instant> start,
        Duration runtime, byte[] stdout, byte[] stderr, String error) {
    boolean succeeded() {
        return status == JobStatus.SUCCEEDED;
    }

    static Outcome of(JobResult r) {
        return new Outcome(r.status(), r.exitCode(), r.signalNumber(), r.start(), r.runtime(), r.stdout(), r.stderr(),
                r.error().orElse(null));
    }

    static Outcome of(dev.procpool.remote.RemoteCommand.Result r) {
        return new Outcome(r.status(), r.exitCode(), r.signalNumber(), r.start(), r.runtime(), r.stdout(), r.stderr(),
                r.error().orElse(null));
    }
}
