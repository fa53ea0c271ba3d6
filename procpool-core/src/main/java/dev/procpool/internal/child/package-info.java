/**
 * The runtime of a worker JVM: its entry point, the loop that runs calls, and its SLF4J provider that sends log events to the controller. Loaded in every child JVM, so it is kept small.
 *
 * <p><b>Not API.</b> Public types here are public only because another procpool package uses
 * them; they change without notice between versions and are excluded from the API compatibility
 * check. Use the types of {@code dev.procpool} and its capability packages instead.
 */
package dev.procpool.internal.child;
