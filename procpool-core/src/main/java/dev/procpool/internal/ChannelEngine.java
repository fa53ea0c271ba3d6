package dev.procpool.internal;

import dev.procpool.Codec;
import dev.procpool.TaskNotSerializableException;
import dev.procpool.internal.logs.LogRouter;
import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.Failures;
import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An engine whose worker is at the other end of a framed channel (a local worker JVM, or one behind
 * a worker server): the requests, the read loop and the heartbeat are the same either way; only
 * start-up, signals, the frames only one kind receives and how an unresponsive worker is ended differ.
 *
 * <p>Threads: the subclass's I/O thread runs {@link #readFrames()}; the heartbeat runs on the shared
 * {@code procpool-timer}.
 */
abstract class ChannelEngine extends Engine {
    final FrameChannel channel = new FrameChannel();
    final Codec codec;
    final ClassLoader loader;
    final Listener listener;
    /** The worker's SLF4J events (LOG frames). */
    final LogRouter logs;
    /** When the last frame arrived: what the heartbeat checks. */
    private volatile long lastReceived = System.nanoTime();
    private volatile ScheduledFuture<?> heartbeat;
    /** The worker said goodbye (BYE) before its channel ended. Written by the I/O thread only. */
    boolean bye;
    /** What went wrong first, for the exit report; null while nothing did. */
    volatile String problem;
    volatile Throwable problemCause;

    ChannelEngine(Codec codec, ClassLoader loader, Listener listener, LogRouter logs) {
        this.codec = codec;
        this.loader = loader;
        this.listener = listener;
        this.logs = logs;
    }

    /** Records what went wrong, unless something was recorded before (the first cause explains the rest). */
    final void fail(String what, Throwable cause) {
        if (problem == null) {
            problem = what;
            problemCause = cause;
        }
    }

    /**
     * Reads and handles frames until the channel ends: every worker's frames here, BYE, and the rest
     * through {@link #otherFrame}. Between bursts (nothing more buffered) the listener gets
     * {@code readIdle}. Returns only by throwing: {@link java.io.EOFException} at the channel's end.
     */
    final void readFrames() throws IOException {
        while (true) {
            if (!channel.hasBufferedFrame()) {
                listener.readIdle(this);
            }
            FrameChannel.Frame f = channel.read();
            lastReceived = System.nanoTime();
            if (workerFrame(f)) {
                continue;
            }
            if (f.type == Frames.BYE) {
                bye = true;
                listener.bye(this, f.id);
            } else {
                otherFrame(f);
            }
        }
    }

    /** A frame that is neither a worker's common frame nor BYE; the default refuses it. */
    void otherFrame(FrameChannel.Frame f) throws IOException {
        throw new ProtocolException("unexpected frame type " + f.type + " from " + peer());
    }

    /** Who is at the other end, for error messages. */
    abstract String peer();

    /**
     * Starts pinging the worker every {@code interval} and, once nothing at all arrived for
     * {@code timeout}, ends it with {@link #unresponsive} (once). Zero for either disables it.
     */
    final void startHeartbeat(Duration interval, Duration timeout) {
        lastReceived = System.nanoTime(); // the worker just connected
        long every = interval.toMillis();
        long silence = timeout.toNanos();
        if (every == 0 || silence == 0) {
            return;
        }
        heartbeat = Controller.get().timer().scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastReceived > silence) {
                unresponsive(timeout);
                heartbeat.cancel(false);
            } else {
                channel.trySend(Frames.PING, System.nanoTime());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** Stops the heartbeat (the channel ended). */
    final void stopHeartbeat() {
        ScheduledFuture<?> hb = heartbeat;
        if (hb != null) {
            hb.cancel(false);
        }
    }

    /** Ends a worker that sent nothing for {@code timeout}: records why and makes it go away. */
    abstract void unresponsive(Duration timeout);

    /**
     * Handles a frame every worker may send: a result, an error, log events, a heartbeat's answer.
     * @return false for any other type, which the caller handles (or refuses)
     */
    final boolean workerFrame(FrameChannel.Frame f) throws ProtocolException {
        switch (f.type) {
            case Frames.RESULT -> deliverResult(f);
            case Frames.ERROR -> {
                if (f.payload.length == 0) {
                    throw new ProtocolException("empty ERROR payload");
                }
                listener.failure(this, f.id, Failures.kind(f.payload), Failures.decode(f.payload, codec, loader));
            }
            case Frames.LOG -> logs.deliver(f.id, f.payload);
            case Frames.STATE -> deliverState(f);
            case Frames.PONG -> {
                // its arrival keeps the heartbeat alive; its id (when the ping left) says how far
                // the worker has read its input
                listener.readUpTo(this, f.id);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void deliverResult(FrameChannel.Frame f) {
        Object value;
        try {
            value = codec.decode(new ByteArrayInputStream(f.payload), loader);
        } catch (Exception | LinkageError e) {
            // that call fails; the worker goes on
            String why = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            String explained = explainUndecodable(why);
            java.util.regex.Matcher refused = java.util.regex.Pattern.compile("^class (\\S+) is not on the allow-list")
                    .matcher(explained);
            listener.failure(this, f.id, Frames.ERR_RESULT_NOT_SERIALIZABLE, refused.find()
                    ? new TaskNotSerializableException("result refused: " + explained, e, refused.group(1))
                    : new TaskNotSerializableException("result (refused or not deserializable here)", explained, e));
            return;
        }
        listener.result(this, f.id, value);
    }

    private void deliverState(FrameChannel.Frame f) {
        Object state;
        try {
            state = codec.decode(new ByteArrayInputStream(f.payload), loader);
        } catch (Exception | LinkageError e) {
            // the controller keeps the last state it could read; the call's own outcome stands
            org.slf4j.LoggerFactory.getLogger(ChannelEngine.class).warn(
                    "the worker state sent after call {} cannot be decoded here ({}); the previous state is kept",
                    f.id, explainUndecodable(e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
            return;
        }
        listener.state(this, f.id, state);
    }

    /** Why a result could not be decoded, with a hint where the engine has one. */
    String explainUndecodable(String why) {
        return why;
    }

    @Override
    void initState(Object prepared) {
        Buf b = (Buf) prepared;
        channel.send(Frames.INIT_STATE, 0, b.array(), 0, b.size(), true);
    }

    @Override
    void bind(Object prepared) {
        Buf b = (Buf) prepared;
        channel.send(Frames.BIND, 0, b.array(), 0, b.size(), true);
    }

    @Override
    void call(long callId, Object prepared, boolean flush) {
        Buf b = (Buf) prepared;
        channel.send(Frames.CALL, callId, b.array(), 0, b.size(), false);
        if (flush) {
            channel.flushSoon();
        }
    }

    @Override
    void flush() {
        channel.flush();
    }

    @Override
    void flushSoon() {
        channel.flushSoon();
    }

    @Override
    void flushAsync() {
        channel.flushAsync();
    }

    @Override
    void cancel(long callId) {
        channel.send(Frames.CANCEL, callId, false);
        channel.flushAsync(); // control frames never hold up the caller (a timer, a shutdown)
    }

    @Override
    void recall(long callId) {
        channel.send(Frames.RECALL, callId, false);
        channel.flushAsync(); // control frames never hold up the caller (a timer, a shutdown)
    }

    @Override
    void endInput() {
        channel.send(Frames.END_INPUT, 0, false);
        channel.flushAsync(); // control frames never hold up the caller (a timer, a shutdown)
    }

    @Override
    void stop() {
        channel.send(Frames.STOP, 0, false);
        channel.flushAsync(); // control frames never hold up the caller (a timer, a shutdown)
    }
}
