package dev.procpool.remote;

import dev.procpool.internal.RemoteLink;
import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.RemoteWire;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A named scope on a worker server (pyworkers' {@code RemoteContext}) that remote workers join by
 * its id when they start: ending the context terminates every worker in it, and so does losing
 * the controller that opened it (its process dies, or its connection to the server drops). Any
 * controller that has the server's token and the context's id can start workers in it.
 *
 * <pre>{@code
 * try (RemoteContext ctx = RemoteContext.open(remote, "nightly-run")) {
 *     WorkerOptions in = WorkerOptions.builder().remote(remote).remoteContext(ctx.id()).build();
 *     Worker<String> a = Workers.start(WorkerType.REMOTE, () -> crunch(1), in);
 *     PersistentWorker<Integer, Integer> b = Workers.persistent(WorkerType.REMOTE, (Integer x) -> x * x, in);
 *     // hand ctx.id() to another controller: it can start workers in the same context
 * }   // close(): every worker still running in the context is terminated
 * }</pre>
 *
 * <p>A worker terminated because its context ended is reported {@link dev.procpool.WorkerState#DIED}
 * by its own handle, the exit saying "terminated: its remote context 'NAME' ended" (or "the
 * controller that owned its remote context ... went away"); its unanswered calls fail with
 * {@link dev.procpool.WorkerDiedException}. Workers in the context are SIGTERMed, then SIGKILLed
 * after 2 s. A worker that asks for a context that is not open on that server is refused at
 * start ({@link dev.procpool.WorkerStartException}).
 *
 * <p>The context is held by one connection to the server, authenticated like a worker's. A
 * controller that vanishes without the connection closing (a network cut, no FIN) is noticed
 * through TCP keep-alive only; the workers' own connections notice sooner through their heartbeats.
 */
public final class RemoteContext implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration END_TIMEOUT = Duration.ofSeconds(30);

    private final RemoteLink link;
    private final String id;
    private final String name;
    private final CompletableFuture<Integer> ended = new CompletableFuture<>();
    private volatile boolean endRequested;

    private RemoteContext(RemoteLink link, String id, String name) {
        this.link = link;
        this.id = id;
        this.name = name;
    }

    /**
     * Opens a context on the server of {@code remote}.
     *
     * @param name a name for logs and exit reasons, 1 to 200 characters
     * @throws IOException if the server cannot be reached, refuses the token, or refuses the context
     */
    public static RemoteContext open(RemoteOptions remote, String name) throws IOException {
        Objects.requireNonNull(remote, "remote");
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException("a remote context needs a name of 1 to 200 characters");
        }
        RemoteLink link = RemoteLink.connect(remote, CONNECT_TIMEOUT);
        try {
            Buf b = new Buf(64);
            b.writeString(name);
            RemoteWire.write(link.socket().getOutputStream(), Frames.R_CONTEXT_OPEN, 0, b.toByteArray());
            RemoteWire.Raw answer = RemoteWire.read(link.socket().getInputStream(), RemoteWire.MAX_UNAUTHENTICATED);
            RemoteLink.refused(answer);
            if (answer.type() != Frames.R_CONTEXT) {
                throw new IOException("the worker-server answered frame type " + answer.type() + " to a context request");
            }
            DataInputStream d = answer.data();
            String id = Buf.readString(d);
            link.socket().setSoTimeout(0);
            link.socket().setKeepAlive(true);
            RemoteContext ctx = new RemoteContext(link, id, Buf.readString(d));
            ctx.watch();
            return ctx;
        } catch (IOException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** Notices the end: the server's answer to {@link #end}, or the connection lost (the server died). */
    private void watch() {
        Thread t = new Thread(() -> {
            try {
                InputStream in = link.socket().getInputStream();
                RemoteWire.Raw f = RemoteWire.read(in, RemoteWire.MAX_UNAUTHENTICATED);
                ended.complete(f.type() == Frames.R_CONTEXT_END ? (int) f.id() : -1);
            } catch (IOException e) {
                ended.complete(-1);
            } finally {
                link.close();
            }
        }, "procpool-context-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** The id other workers join it by ({@code WorkerOptions.Builder.remoteContext(id)}). */
    public String id() {
        return id;
    }

    /** Its name. */
    public String name() {
        return name;
    }

    /** The server's host name. */
    public String host() {
        return link.host();
    }

    /** Whether it is still open: not ended, and its connection to the server is up. */
    public boolean isOpen() {
        return !ended.isDone() && !endRequested;
    }

    /**
     * Ends the context: every worker in it is terminated (SIGTERM, then SIGKILL after 2 s), and no
     * worker can join it any more. Waits for the server to confirm, up to 30 s.
     *
     * @return how many workers were in it, or empty if the server did not confirm (it was gone,
     *     or the context had ended already)
     */
    public OptionalInt end() {
        if (!endRequested) {
            endRequested = true;
            try {
                RemoteWire.write(link.socket().getOutputStream(), Frames.R_CONTEXT_END, 0, new byte[0]);
            } catch (IOException e) {
                link.close(); // gone: the server ends a context whose connection is lost anyway
            }
        }
        try {
            int n = ended.get(END_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return n < 0 ? OptionalInt.empty() : OptionalInt.of(n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            link.close();
            return OptionalInt.empty();
        } catch (ExecutionException | TimeoutException e) {
            link.close(); // losing the connection ends it on the server too
            return OptionalInt.empty();
        } finally {
            link.close();
        }
    }

    /** {@link #end()}. Idempotent. */
    @Override
    public void close() {
        end();
    }

    @Override
    public String toString() {
        return "RemoteContext{" + name + ", id=" + id + ", on " + link.host() + (isOpen() ? "" : ", ended") + "}";
    }
}
