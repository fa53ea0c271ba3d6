package dev.procpool.internal.protocol;

import dev.procpool.Codec;
import dev.procpool.RemoteThrowable;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Carries an exception across the channel. The payload holds the exception serialized by the
 * codec when that works, and always a plain description of its chain (class, message, stack
 * trace of each cause), so the controller can rebuild a faithful {@link RemoteThrowable} when the
 * original cannot be serialized there or deserialized here.
 *
 * <pre>
 * payload := kind:u8  serializedLength:i32  serialized[serializedLength]?  chain
 * chain   := count:i32  ( className:str  message:str  frames:i32  frame* )*
 * frame   := declaringClass:str  methodName:str  fileName:str  line:i32
 * str     := length:i32 (-1 for null)  utf8[length]
 * </pre>
 */
public final class Failures {
    private static final int MAX_CHAIN = 32;

    private Failures() {
    }

    /** Encodes {@code error} for an ERROR frame. Never throws: what cannot be serialized is described. */
    public static Buf encode(byte kind, Throwable error, Codec codec) {
        Buf out = new Buf(1024);
        out.write(kind);
        Buf serialized = new Buf(512);
        boolean ok;
        try {
            codec.encode(error, serialized);
            ok = true;
        } catch (Throwable e) {
            ok = false;
        }
        if (ok) {
            out.writeInt(serialized.size());
            out.write(serialized.array(), 0, serialized.size());
        } else {
            out.writeInt(-1);
        }
        List<Throwable> chain = chain(error);
        out.writeInt(chain.size());
        for (Throwable t : chain) {
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
        return out;
    }

    private static String safeMessage(Throwable t) {
        try {
            return t.getMessage();
        } catch (RuntimeException e) {
            return "(getMessage() threw " + e + ")";
        }
    }

    private static List<Throwable> chain(Throwable error) {
        List<Throwable> chain = new ArrayList<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = error; t != null && chain.size() < MAX_CHAIN && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** The kind byte of an ERROR payload. */
    public static byte kind(byte[] payload) {
        return payload[0];
    }

    /**
     * Rebuilds the exception: the original if it deserializes here, else a {@link RemoteThrowable}
     * chain.
     */
    public static Throwable decode(byte[] payload, Codec codec, ClassLoader loader) throws ProtocolException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
            in.readByte();
            int serializedLength = in.readInt();
            if (serializedLength >= 0) {
                byte[] serialized = in.readNBytes(serializedLength);
                try {
                    Object o = codec.decode(new ByteArrayInputStream(serialized), loader);
                    if (o instanceof Throwable t) {
                        return t;
                    }
                } catch (Exception | LinkageError e) {
                    // unknown class here or broken readObject: fall back to the description
                }
            }
            int count = in.readInt();
            if (count < 1 || count > MAX_CHAIN) {
                throw new ProtocolException("bad exception chain length " + count);
            }
            String[] names = new String[count];
            String[] messages = new String[count];
            StackTraceElement[][] traces = new StackTraceElement[count][];
            for (int i = 0; i < count; i++) {
                names[i] = Buf.readString(in);
                messages[i] = Buf.readString(in);
                int frames = in.readInt();
                if (frames < 0 || frames > 100_000) {
                    throw new ProtocolException("bad stack trace length " + frames);
                }
                traces[i] = new StackTraceElement[frames];
                for (int j = 0; j < frames; j++) {
                    String cls = Buf.readString(in);
                    String method = Buf.readString(in);
                    String file = Buf.readString(in);
                    int line = in.readInt();
                    traces[i][j] = new StackTraceElement(cls, method, file, line);
                }
            }
            Throwable cause = null;
            for (int i = count - 1; i >= 0; i--) {
                cause = new RemoteThrowable(names[i], messages[i], traces[i], cause);
            }
            return cause;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException("malformed ERROR payload: " + e);
        }
    }

}
