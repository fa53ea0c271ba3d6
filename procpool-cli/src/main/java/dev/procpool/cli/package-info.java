/**
 * The {@code procpool} command ({@code bin/procpool}): {@code demo}, {@code version}, {@code run},
 * {@code worker-server} and {@code log-server}, on picocli. An application built on procpool's
 * public API only, <b>not a library API</b>: use the command, not these classes.
 */
package dev.procpool.cli;
