/**
 * The controller's side of worker logs: routing LOG frames to the configured sink, and the JSON-lines encoding shared by the sinks and the log server.
 *
 * <p><b>Not API.</b> Public types here are public only because another procpool package uses
 * them; they change without notice between versions and are excluded from the API compatibility
 * check. Use the types of {@code dev.procpool} and its capability packages instead.
 */
package dev.procpool.internal.logs;
