package dev.procpool.redis.internal;

import dev.procpool.JdkCodec;
import dev.procpool.ProcpoolException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Values and exceptions as bytes in Redis: {@link JdkCodec}, with a fallback for exceptions it cannot write. */
public final class Wire {
    private static final JdkCodec CODEC = new JdkCodec();

    private Wire() {
    }

    /** Encodes a value. */
    public static byte[] encode(Object value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        CODEC.encode(value, out);
        return out.toByteArray();
    }

    /** Encodes an exception; one that cannot be serialized becomes a {@link ProcpoolException} with its text and trace. */
    public static byte[] encodeError(Throwable error) {
        try {
            return encode(error);
        } catch (IOException | RuntimeException e) {
            ProcpoolException plain = new ProcpoolException(error.toString() + " (its class could not be serialized: " + e + ")");
            plain.setStackTrace(error.getStackTrace());
            try {
                return encode(plain);
            } catch (IOException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    /** Decodes a value written by {@link #encode}. */
    public static Object decode(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        return CODEC.decode(new ByteArrayInputStream(bytes), loader);
    }
}
