/**
 * The wire protocol between a controller and its workers (docs/protocol.md): frames, the framed channel, and the payload codecs (errors, log events, the worker-server handshake).
 *
 * <p><b>Not API.</b> Public types here are public only because another procpool package uses
 * them; they change without notice between versions and are excluded from the API compatibility
 * check. Use the types of {@code dev.procpool} and its capability packages instead.
 */
package dev.procpool.internal.protocol;
