/**
 * {@code procpool run}: a command per input, in parallel, with GNU parallel's options and exit
 * codes, on a {@link dev.procpool.jobs.JobPool}. Part of the command, <b>not a library API</b>.
 */
package dev.procpool.cli.run;
