package dev.procpool.internal.protocol;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.IdentityHashMap;

/**
 * An exception's chain as plain data (class name, message and stack trace of each cause), the one
 * encoding both a failed call's description ({@link Failures}) and a logged throwable
 * ({@link LogFrames}) use. The reader needs none of the sender's classes and deserializes nothing.
 *
 * <pre>
 * chain := count:i32  ( className:str  message:str  frames:i32  frame* )*
 * frame := declaringClass:str  methodName:str  fileName:str  line:i32
 * str   := length:i32 (-1 for null)  utf8[length]
 * </pre>
 */
final class ThrowableChains {
    /** Causes beyond this many are left out (a cycle is cut where it closes). */
    static final int MAX_CHAIN = 32;
    /** More frames than this is a broken payload, not a deep stack (the JVM keeps at most 1024 by default). */
    private static final int MAX_FRAMES = 100_000;

    private ThrowableChains() {
    }

    /** One cause of the chain, as read. */
    record Link(String className, String message, StackTraceElement[] frames) {
    }

    /** Appends {@code error}'s chain (a count of 0 for null). Never throws for a misbehaving throwable. */
    static void write(Buf out, Throwable error) {
        IdentityHashMap<Throwable, Boolean> seen = new IdentityHashMap<>();
        int n = 0;
        for (Throwable t = error; t != null && n < MAX_CHAIN && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            n++;
        }
        out.writeInt(n);
        Throwable t = error;
        for (int i = 0; i < n; i++, t = t.getCause()) {
            out.writeString(t.getClass().getName());
            out.writeString(safeMessage(t));
            StackTraceElement[] frames = t.getStackTrace();
            out.writeInt(frames.length);
            for (StackTraceElement f : frames) {
                out.writeString(f.getClassName());
                out.writeString(f.getMethodName());
                out.writeString(f.getFileName());
                out.writeInt(f.getLineNumber());
            }
        }
    }

    private static String safeMessage(Throwable t) {
        try {
            return t.getMessage();
        } catch (RuntimeException e) {
            return "(getMessage() threw " + e + ")";
        }
    }

    /**
     * Reads a chain written by {@link #write}.
     *
     * @param min the fewest causes the payload may hold (1 where a throwable is required)
     * @param where appended to error messages, to say which payload was broken ("" or " in a log event")
     * @throws ProtocolException if a count is out of range
     */
    static Link[] read(DataInputStream in, int min, String where) throws IOException {
        int count = in.readInt();
        if (count < min || count > MAX_CHAIN) {
            throw new ProtocolException("bad exception chain length " + count + where);
        }
        Link[] links = new Link[count];
        for (int i = 0; i < count; i++) {
            String name = Buf.readString(in);
            String message = Buf.readString(in);
            int frames = in.readInt();
            if (frames < 0 || frames > MAX_FRAMES) {
                throw new ProtocolException("bad stack trace length " + frames + where);
            }
            StackTraceElement[] trace = new StackTraceElement[frames];
            for (int j = 0; j < frames; j++) {
                String cls = Buf.readString(in);
                String method = Buf.readString(in);
                String file = Buf.readString(in);
                int line = in.readInt();
                // a frame never has a null class or method; a broken or hostile peer's gets a placeholder
                trace[j] = new StackTraceElement(cls == null ? "?" : cls, method == null ? "?" : method, file, line);
            }
            links[i] = new Link(name, message, trace);
        }
        return links;
    }
}
