/**
 * Jobs: external commands run in a {@link dev.procpool.jobs.JobPool} of N slots, with timeouts that
 * kill a job's whole process tree, restarts, groups, and output to the terminal, a file, memory or
 * nowhere. If the controlling JVM dies, even by SIGKILL, its jobs die with it.
 *
 * <pre>{@code
 * try (JobPool jobs = JobPool.builder().slots(4).build()) {
 *     JobHandle ls = jobs.submit(Job.builder("ls", "-la").stdout(Output.pipe()).build());
 *     jobs.join(Duration.ofMinutes(1));
 *     System.out.println(ls.future().join().stdoutText());
 * }
 * }</pre>
 */
package dev.procpool.jobs;
