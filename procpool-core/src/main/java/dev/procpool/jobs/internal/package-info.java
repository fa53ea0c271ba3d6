/**
 * The job pool's machinery: how a job is started, watched, timed out and reaped, in the controller or in a job-host JVM.
 *
 * <p><b>Not API.</b> Public types here are public only because another procpool package uses
 * them; they change without notice between versions and are excluded from the API compatibility
 * check. Use the types of {@code dev.procpool} and its capability packages instead.
 */
package dev.procpool.jobs.internal;
