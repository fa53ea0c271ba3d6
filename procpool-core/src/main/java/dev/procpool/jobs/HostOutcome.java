package dev.procpool.jobs;

import java.io.Serializable;

/**
 * What a job host sends back for one job. {@code status} is a {@code JobStatus} name; times are
 * epoch milliseconds of the last attempt's process; {@code exitCode} is -1 when there is none.
 */
record HostOutcome(String status, int exitCode, long startMillis, long stopMillis, int attempts,
        byte[] stdout, byte[] stderr, String error) implements Serializable {
    private static final long serialVersionUID = 1L;
}
