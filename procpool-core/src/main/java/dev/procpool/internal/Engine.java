package dev.procpool.internal;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * One incarnation of a worker: a thread or a child process that runs calls in the order given.
 * A {@link BaseWorker} owns one at a time and replaces it on restart.
 *
 * <p>Contract with the {@link Listener}: events for one engine arrive from one thread at a time,
 * in this order: {@code ready}, then {@code result}/{@code failure} for calls (one per call, in
 * call order), then at most one {@code bye}, then exactly one {@code exited}, after which nothing
 * more arrives. Sending methods never throw for a dead engine: the sends are dropped and
 * {@code exited} tells what happened.
 */
abstract class Engine {

    /** Receives an engine's events; see the class comment for order and threads. */
    interface Listener {
        void ready(Engine engine);

        void result(Engine engine, long callId, Object value);

        void failure(Engine engine, long callId, byte kind, Throwable error);

        void bye(Engine engine, long calls);

        void exited(Engine engine, ExitInfo info);

        /**
         * The worker's state after call {@code callId} ended (a process or remote worker with a
         * state sends it after each call, before that call's response).
         */
        default void state(Engine engine, long callId, Object state) {
        }

        /**
         * The worker answered a heartbeat sent at {@code pingSentNanos} ({@code System.nanoTime()}):
         * it has read every frame sent before that ping (it reads its input in order).
         */
        default void readUpTo(Engine engine, long pingSentNanos) {
        }

        /**
         * The engine's reader has handled every frame it had and is about to wait for more: the
         * moment to write what the events just handled decided to send (one write for a burst).
         */
        default void readIdle(Engine engine) {
        }
    }

    /** Starts the thread or spawns the process; events may arrive from then on. */
    abstract void start() throws dev.procpool.WorkerStartException;

    /**
     * Called once the first frames of an incarnation (the function or the one-shot task) were
     * sent: a process worker hands them to the child on its stdin so the child can start on them
     * before its connection is up.
     */
    void initialized() {
    }

    /**
     * Gives the worker its initial state ({@code prepared} came from the engine kind's
     * {@code prepare}), before {@link #bind} or the first call. A thread engine got its state box
     * when it was made and ignores this.
     */
    void initState(Object prepared) {
    }

    /** Binds the function every later call applies to its argument (persistent workers). */
    abstract void bind(Object prepared);

    /** Sends one call; {@code prepared} came from the engine kind's {@code prepare}. */
    final void call(long callId, Object prepared) {
        call(callId, prepared, true);
    }

    /** Sends one call, written now or at the next {@link #flush()}. */
    abstract void call(long callId, Object prepared, boolean flush);

    /** Writes the calls sent without flushing. */
    void flush() {
    }

    /** Writes the calls sent without flushing, now or with the rest of a burst. */
    void flushSoon() {
        flush();
    }

    /** Writes the calls sent without flushing, never blocking the caller (the engine's writer does). */
    void flushAsync() {
        flush();
    }

    /*
     * The control requests below (cancel, recall, endInput, stop, signalTerm, kill) never block
     * the caller, whatever the state of the worker: they are called from the shared timer.
     */

    /** Interrupts the call if it runs; answers it as cancelled if it has not started. */
    abstract void cancel(long callId);

    /**
     * Answers the call as cancelled if it still waits in the worker's queue; otherwise lets it run
     * and be answered as usual. Never interrupts.
     */
    abstract void recall(long callId);

    /** No more calls: the engine answers the ones it has, says bye and ends. */
    abstract void endInput();

    /** Interrupts the running call, answers queued ones as cancelled, and ends. */
    abstract void stop();

    /** The second stop step: SIGTERM for a process; a thread is abandoned. */
    abstract void signalTerm();

    /** The last stop step: SIGKILL for a process; a thread is abandoned. */
    abstract void kill();

    abstract long pid();

    abstract OptionalLong threadId();

    abstract boolean isAlive();

    abstract Optional<String> launchCommand();

    /** The host the work runs on: this one, except for a remote engine. */
    String host() {
        return BaseWorker.localHostName();
    }
}
