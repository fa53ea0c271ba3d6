package dev.procpool.testing;

import dev.procpool.JdkCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A codec that marks what it encodes, to prove a custom codec is used on both sides: the child
 * creates it from its class name. Strings gain a suffix per trip, so a test can count the trips.
 */
public final class CountingCodec extends JdkCodec {
    @Override
    public void encode(Object value, OutputStream out) throws IOException {
        super.encode(value instanceof String s ? s + "+" : value, out);
    }

    @Override
    public Object decode(InputStream in, ClassLoader loader) throws IOException, ClassNotFoundException {
        return super.decode(in, loader);
    }
}
