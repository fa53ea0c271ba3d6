/**
 * The engine: workers' state machines, the pool, the engines that run a worker in a thread, a child JVM or on a worker server, the controller's shared threads, and how a child JVM is launched.
 *
 * <p><b>Not API.</b> Public types here are public only because another procpool package uses
 * them; they change without notice between versions and are excluded from the API compatibility
 * check. Use the types of {@code dev.procpool} and its capability packages instead.
 */
package dev.procpool.internal;
