package dev.procpool.internal.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.IdentityHashMap;

/**
 * The payload of a {@link Frames#LOG} frame: a batch of SLF4J events logged in a worker, in the
 * order they were logged. The frame's id is the number of events.
 *
 * <pre>
 * payload := event*
 * event   := epochSecond:i64  nano:i32  level:u8 (0 TRACE .. 4 ERROR)  logger:str  thread:str
 *            message:str  chainLength:i32  ( className:str  message:str  frames:i32  frame* )*
 *            mdcSize:i32  ( key:str  value:str )*
 * frame   := declaringClass:str  methodName:str  fileName:str  line:i32
 * </pre>
 *
 * The throwable travels as a description (never serialized), so the controller needs none of the
 * worker's classes to show it, and a hostile worker cannot make the controller deserialize anything.
 */
public final class LogFrames {
    /** Causes beyond this many are left out (a cycle is cut where it closes). */
    private static final int MAX_CHAIN = 32;
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
        IdentityHashMap<Throwable, Boolean> seen = new IdentityHashMap<>();
        int n = 0;
        for (Throwable t = error; t != null && n < MAX_CHAIN && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            n++;
        }
        out.writeInt(n);
        Throwable t = error;
        for (int i = 0; i < n; i++, t = t.getCause()) {
            out.writeString(t.getClass().getName());
            String m;
            try {
                m = t.getMessage();
            } catch (RuntimeException e) {
                m = "(getMessage() threw " + e + ")";
            }
            out.writeString(m);
            StackTraceElement[] frames = t.getStackTrace();
            out.writeInt(frames.length);
            for (StackTraceElement f : frames) {
                out.writeString(f.getClassName());
                out.writeString(f.getMethodName());
                out.writeString(f.getFileName());
                out.writeInt(f.getLineNumber());
            }
        }
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
                int chain = in.readInt();
                if (chain < 0 || chain > MAX_CHAIN) {
                    throw new ProtocolException("bad exception chain length " + chain + " in a log event");
                }
                String exception = null;
                if (chain > 0) {
                    StringBuilder sb = new StringBuilder(256);
                    for (int c = 0; c < chain; c++) {
                        String cls = Buf.readString(in);
                        String msg = Buf.readString(in);
                        if (c > 0) {
                            sb.append("Caused by: ");
                        }
                        sb.append(cls);
                        if (msg != null) {
                            sb.append(": ").append(msg);
                        }
                        sb.append('\n');
                        int frames = in.readInt();
                        if (frames < 0 || frames > 100_000) {
                            throw new ProtocolException("bad stack trace length " + frames + " in a log event");
                        }
                        for (int f = 0; f < frames; f++) {
                            String fc = Buf.readString(in);
                            String fm = Buf.readString(in);
                            String ff = Buf.readString(in);
                            int line = in.readInt();
                            sb.append("\tat ").append(new StackTraceElement(fc == null ? "?" : fc, fm == null ? "?" : fm,
                                    ff, line)).append('\n');
                        }
                    }
                    sb.setLength(sb.length() - 1);
                    exception = sb.toString();
                }
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

}
