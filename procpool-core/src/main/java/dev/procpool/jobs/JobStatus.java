package dev.procpool.jobs;

/** How a job ended. Every submitted job ends in exactly one of these. */
public enum JobStatus {
    /** Its process exited with code 0 (or it had no process: a callbacks-only job). */
    SUCCEEDED,
    /** Its process exited with another code, or was killed by a signal it did not get from procpool. */
    FAILED,
    /** Its process could not be started (no such program, a missing working directory...). */
    START_FAILED,
    /** It ran past its timeout (or its group's) on its last attempt and was killed with its process tree. */
    TIMED_OUT,
    /** It was cancelled, or its pool was shut down now or ran past {@code join}'s deadline. */
    CANCELLED
}
