package dev.procpool;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A worker bound to one {@link TaskFunction} that it applies to a stream of arguments, so a
 * process pays its start-up once. Calls are pipelined: {@link #enqueue} does not wait for earlier
 * calls, and results come back in the order the arguments were given.
 *
 * <pre>{@code
 * try (PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, (Integer x) -> x * x)) {
 *     for (int i = 0; i < 10; i++) w.enqueue(i);
 *     w.endInput();
 *     w.results().forEach(System.out::println);   // 0 1 4 9 ... in order
 *     w.await(Duration.ofSeconds(5));
 *     System.out.println(w.result() + " calls");   // 10 calls
 * }
 * }</pre>
 *
 * <p>Each call ends exactly once: with its value, or with an exception thrown from
 * {@link #nextResult} ({@link TaskFailedException} if the function threw for that argument,
 * {@link WorkerDiedException} or {@link WorkerTerminatedException} if the worker ended before
 * answering). A failed call does not stop the worker. The {@link #result()} of a persistent worker
 * is the number of calls its current incarnation made.
 *
 * @param <A> the argument type
 * @param <R> the result type of one call
 */
public interface PersistentWorker<A, R> extends Worker<Long> {

    /**
     * Gives the worker one more argument. Never waits for earlier calls.
     *
     * @param argument the argument; must be serializable
     * @throws TaskNotSerializableException if the argument cannot be serialized (nothing is sent)
     * @throws IllegalStateException if input was ended or the worker is terminal
     */
    void enqueue(A argument);

    /** Says no more arguments will come; the worker finishes the queued ones and ends. */
    void endInput();

    /**
     * Takes the next result in argument order.
     *
     * @param timeout how long to wait; {@link Duration#ZERO} does not block
     * @return the next call's value (may be {@code null})
     * @throws TimeoutException if no result is ready within the timeout
     * @throws java.util.NoSuchElementException if every call's result was already taken and no
     *     further call can come (input ended, or the worker is terminal)
     * @throws TaskFailedException if the function threw for that call
     * @throws WorkerDiedException if the worker died before answering that call
     * @throws WorkerTerminatedException if the worker was stopped ({@code terminate}, {@code kill},
     *     {@code close}) before that call produced a value: the one type for every call a stop
     *     left unanswered, whether the stop was gentle or escalated to a signal (its cause, if
     *     any, is what the worker reported for the call, e.g. the interrupted call's exception)
     * @throws InterruptedException if interrupted while waiting
     */
    R nextResult(Duration timeout) throws TimeoutException, InterruptedException;

    /** The number of calls enqueued whose results have not been taken yet. */
    int pending();

    /**
     * The results still to come, in order, blocking for each; ends when input has ended and every
     * result was taken. A failed call makes {@code next()} throw as {@link #nextResult} does;
     * iteration may continue after it.
     */
    Iterator<R> resultsIterator();

    /** {@link #resultsIterator()} as a sequential stream. */
    Stream<R> results();
}
