package dev.procpool.internal;

import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;

/**
 * An engine whose worker is at the other end of a framed channel (a local worker JVM, or one behind
 * a worker server): the requests are the same frames either way, only start-up, signals and the
 * reading side differ.
 */
abstract class ChannelEngine extends Engine {
    final FrameChannel channel = new FrameChannel();

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
