package dev.procpool.internal.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * The payload of a {@link Frames#LOG} frame: a batch of SLF4J events logged in a worker, in the
 * order they were logged. The frame's id is the number of events.
 *
 * <pre>
 * payload := event*
 * event   := epochSecond:i64  nano:i32  level:u8 (0 TRACE .. 4 ERROR)  logger:str  thread:str
 *            message:str  chain  mdcSize:i32  ( key:str  value:str )*
 * chain   := see {@link ThrowableChains} (0 causes: no throwable)
 * </pre>
 *
 * The throwable travels as a description (never serialized), so the controller needs none of the
 * worker's classes to show it, and a hostile worker cannot make the controller deserialize anything.
 */
public final class LogFrames {
    /** SLF4J's levels in wire order. */
    private static final String[] LEVELS = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};

    private LogFrames() {
    }

    /** Appends one event; {@code level} is 0 (TRACE) to 4 (ERROR). */
    public static void encode(Buf out, long epochSecond, int nano, int level, String logger, String thread,
            String message, Throwable error, java.util.Map<String, String> mdc) {
        out.writeLong(epochSecond);
        out.writeInt(nano);
        out.write(level);
        out.writeString(logger);
        out.writeString(thread);
        out.writeString(message);
        ThrowableChains.write(out, error);
        if (mdc == null || mdc.isEmpty()) {
            out.writeInt(0);
        } else {
            out.writeInt(mdc.size());
            for (java.util.Map.Entry<String, String> e : mdc.entrySet()) {
                out.writeString(e.getKey());
                out.writeString(e.getValue());
            }
        }
    }

    /** Receives decoded events. */
    public interface Receiver {
        /**
         * One event. {@code exception} is the throwable in {@code printStackTrace} form, or null.
         */
        void event(long epochSecond, int nano, String level, String logger, String thread, String message,
                String exception, java.util.Map<String, String> mdc);
    }

    /**
     * Decodes a payload of {@code count} events, in order.
     *
     * @throws ProtocolException if the payload is not exactly {@code count} well-formed events
     */
    public static void decode(byte[] payload, long count, Receiver receiver) throws ProtocolException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        try {
            for (long i = 0; i < count; i++) {
                long sec = in.readLong();
                int nano = in.readInt();
                int level = in.readUnsignedByte();
                if (level >= LEVELS.length || nano < 0 || nano > 999_999_999) {
                    throw new ProtocolException("bad log event (level " + level + ", nano " + nano + ")");
                }
                String logger = Buf.readString(in);
                String thread = Buf.readString(in);
                String message = Buf.readString(in);
                String exception = printed(ThrowableChains.read(in, 0, " in a log event"));
                int mdcSize = in.readInt();
                if (mdcSize < 0 || mdcSize > 10_000) {
                    throw new ProtocolException("bad MDC size " + mdcSize + " in a log event");
                }
                java.util.Map<String, String> mdc = java.util.Map.of();
                if (mdcSize > 0) {
                    mdc = new java.util.HashMap<>();
                    for (int m = 0; m < mdcSize; m++) {
                        String k = Buf.readString(in);
                        String v = Buf.readString(in);
                        if (k != null && v != null) {
                            mdc.put(k, v);
                        }
                    }
                }
                if (logger == null || message == null) {
                    throw new ProtocolException("log event without logger or message");
                }
                receiver.event(sec, nano, LEVELS[level], logger, thread, message, exception, mdc);
            }
            if (in.available() != 0) {
                throw new ProtocolException(in.available() + " stray bytes after " + count + " log events");
            }
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException("malformed LOG payload: " + e);
        }
    }

    /** The chain in {@code printStackTrace} form, or null for none. */
    private static String printed(ThrowableChains.Link[] chain) {
        if (chain.length == 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder(256);
        for (int c = 0; c < chain.length; c++) {
            if (c > 0) {
                sb.append("Caused by: ");
            }
            sb.append(chain[c].className());
            if (chain[c].message() != null) {
                sb.append(": ").append(chain[c].message());
            }
            sb.append('\n');
            for (StackTraceElement f : chain[c].frames()) {
                sb.append("\tat ").append(f).append('\n');
            }
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
