package dev.procpool.jobs;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What a job host needs to run one job: the serializable part of a {@code Job} (no callbacks).
 * Output kinds are {@code Output.Kind} names; files are absolute paths.
 */
record JobSpec(List<String> command, String workingDirectory, Map<String, String> environment,
        boolean clearEnvironment, long timeoutMillis, int restartsOnTimeout, long startDelayMillis,
        long graceMillis, String stdoutKind, String stdoutFile, String stderrKind, String stderrFile)
        implements Serializable {
    private static final long serialVersionUID = 1L;
}
