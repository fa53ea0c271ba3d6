package dev.procpool.internal.protocol;

import java.io.ByteArrayOutputStream;

/** A byte array output stream whose array can be read without a copy. Not thread-safe. */
public final class Buf extends ByteArrayOutputStream {
    public Buf(int size) {
        super(size);
    }

    public byte[] array() {
        return buf;
    }

    public void writeInt(int v) {
        write(v >>> 24);
        write(v >>> 16);
        write(v >>> 8);
        write(v);
    }

    public void writeLong(long v) {
        writeInt((int) (v >>> 32));
        writeInt((int) v);
    }

    /** A string as a length and UTF-8 bytes; null as length -1. */
    public void writeString(String s) {
        if (s == null) {
            writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        writeInt(b.length);
        write(b, 0, b.length);
    }

    /**
     * Reads what {@link #writeString} wrote. A length past the end of the payload is refused, so
     * a corrupt frame cannot make the reader allocate for bytes that are not there.
     */
    public static String readString(java.io.DataInputStream in) throws java.io.IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        if (n > in.available()) {
            throw new ProtocolException("string length " + n + " beyond the payload");
        }
        return new String(in.readNBytes(n), java.nio.charset.StandardCharsets.UTF_8);
    }
}
