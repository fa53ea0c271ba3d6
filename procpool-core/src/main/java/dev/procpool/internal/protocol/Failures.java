package dev.procpool.internal.protocol;

import dev.procpool.Codec;
import dev.procpool.RemoteThrowable;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Carries an exception across the channel. The payload holds the exception serialized by the
 * codec when that works, and always a plain description of its chain (class, message, stack
 * trace of each cause), so the controller can rebuild a faithful {@link RemoteThrowable} when the
 * original cannot be serialized there or deserialized here.
 *
 * <pre>
 * payload := kind:u8  serializedLength:i32  serialized[serializedLength]?  chain
 * chain   := see {@link ThrowableChains} (at least one cause)
 * </pre>
 */
public final class Failures {
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
        ThrowableChains.write(out, error);
        return out;
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
            ThrowableChains.Link[] chain = ThrowableChains.read(in, 1, "");
            Throwable cause = null;
            for (int i = chain.length - 1; i >= 0; i--) {
                cause = new RemoteThrowable(chain[i].className(), chain[i].message(), chain[i].frames(), cause);
            }
            return cause;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException("malformed ERROR payload: " + e);
        }
    }

}
