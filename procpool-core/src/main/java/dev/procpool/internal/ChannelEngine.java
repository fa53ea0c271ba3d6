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

/**
 * An engine whose worker is at the other end of a framed channel (a local worker JVM, or one behind
 * a worker server): the requests are the same frames either way, only start-up, signals and the
 * reading side differ.
 */
abstract class ChannelEngine extends Engine {
    final FrameChannel channel = new FrameChannel();
    final Codec codec;
    final ClassLoader loader;
    final Listener listener;
    /** The worker's SLF4J events (LOG frames). */
    final LogRouter logs;

    ChannelEngine(Codec codec, ClassLoader loader, Listener listener, LogRouter logs) {
        this.codec = codec;
        this.loader = loader;
        this.listener = listener;
        this.logs = logs;
    }

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
            listener.failure(this, f.id, Frames.ERR_RESULT_NOT_SERIALIZABLE, new TaskNotSerializableException(
                    "result (refused or not deserializable here)", explainUndecodable(why), e));
            return;
        }
        listener.result(this, f.id, value);
    }

    /** Why a result could not be decoded, with a hint where the engine has one. */
    String explainUndecodable(String why) {
        return why;
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
            channel.flushSoon(Controller.get()::flushSoon);
        }
    }

    @Override
    void flush() {
        channel.flush();
    }

    @Override
    void flushSoon() {
        channel.flushSoon(Controller.get()::flushSoon);
    }

    @Override
    void cancel(long callId) {
        channel.send(Frames.CANCEL, callId, true);
    }

    @Override
    void recall(long callId) {
        channel.send(Frames.RECALL, callId, true);
    }

    @Override
    void endInput() {
        channel.send(Frames.END_INPUT, 0, true);
    }

    @Override
    void stop() {
        channel.send(Frames.STOP, 0, true);
    }
}
