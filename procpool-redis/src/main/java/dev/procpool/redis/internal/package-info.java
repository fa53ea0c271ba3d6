/**
 * The Redis pool's machinery: the connection and its scripts, the stream entries' encoding, and the
 * decoding of tasks on a node.
 *
 * <p><b>Not API.</b> Public types here are public only because {@code dev.procpool.redis} uses
 * them; they change without notice between versions and are excluded from the API compatibility check.
 */
package dev.procpool.redis.internal;
