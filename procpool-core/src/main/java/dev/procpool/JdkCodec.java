package dev.procpool;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

/**
 * The default {@link Codec}: Java serialization, which handles any {@link java.io.Serializable}
 * value, serializable lambdas and exceptions included.
 *
 * <p>Why the tags: a new {@code ObjectOutputStream} per value costs microseconds and a stream
 * header, which dominates a trivial task. The boxed primitives, strings and byte arrays that most
 * tasks pass, and {@code ArrayList}s of {@code Integer} or {@code Long} (what {@link Pool#map} over
 * numbers sends and gets back), are written with a one-byte tag and their raw values instead;
 * everything else goes through Java serialization.
 *
 * <pre>{@code
 * WorkerOptions.builder().codec(new JdkCodec()).build();   // the default, spelled out
 * }</pre>
 */
public class JdkCodec implements Codec {
    private static final int NULL = 0;
    private static final int INT = 1;
    private static final int LONG = 2;
    private static final int STRING = 3;
    private static final int BOOLEAN = 4;
    private static final int DOUBLE = 5;
    private static final int BYTES = 6;
    private static final int SERIALIZED = 7;
    private static final int INT_LIST = 8;
    private static final int LONG_LIST = 9;

    /** Creates the codec. */
    public JdkCodec() {
        // stateless
    }

    @Override
    public void encode(Object value, OutputStream out) throws IOException {
        // Exact class checks: a subclass (impossible for these final types) would go the long way.
        if (value == null) {
            out.write(NULL);
        } else if (value instanceof Integer i) {
            out.write(INT);
            writeInt(out, i);
        } else if (value instanceof Long l) {
            out.write(LONG);
            writeLong(out, l);
        } else if (value instanceof String s && s.length() < 65536) {
            out.write(STRING);
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            writeInt(out, b.length);
            out.write(b);
        } else if (value instanceof Boolean b) {
            out.write(BOOLEAN);
            out.write(b ? 1 : 0);
        } else if (value instanceof Double d) {
            out.write(DOUBLE);
            writeLong(out, Double.doubleToRawLongBits(d));
        } else if (value instanceof byte[] b) {
            out.write(BYTES);
            writeInt(out, b.length);
            out.write(b);
        } else if (value.getClass() == ArrayList.class && allOf((ArrayList<?>) value, Integer.class)) {
            ArrayList<?> list = (ArrayList<?>) value;
            out.write(INT_LIST);
            byte[] b = new byte[4 + 4 * list.size()];
            ByteBuffer buf = ByteBuffer.wrap(b).putInt(list.size());
            for (Object o : list) {
                buf.putInt((Integer) o);
            }
            out.write(b);
        } else if (value.getClass() == ArrayList.class && allOf((ArrayList<?>) value, Long.class)) {
            ArrayList<?> list = (ArrayList<?>) value;
            out.write(LONG_LIST);
            byte[] b = new byte[4 + 8 * list.size()];
            ByteBuffer buf = ByteBuffer.wrap(b).putInt(list.size());
            for (Object o : list) {
                buf.putLong((Long) o);
            }
            out.write(b);
        } else {
            out.write(SERIALIZED);
            ObjectOutputStream oos = new ObjectOutputStream(out);
            oos.writeObject(value);
            oos.flush();
        }
    }

    @Override
    public Object decode(InputStream in, ClassLoader loader) throws IOException, ClassNotFoundException {
        int tag = in.read();
        DataInputStream data;
        switch (tag) {
            case NULL:
                return null;
            case INT:
                return new DataInputStream(in).readInt();
            case LONG:
                return new DataInputStream(in).readLong();
            case STRING:
                data = new DataInputStream(in);
                return new String(data.readNBytes(data.readInt()), StandardCharsets.UTF_8);
            case BOOLEAN:
                return in.read() == 1;
            case DOUBLE:
                return Double.longBitsToDouble(new DataInputStream(in).readLong());
            case BYTES:
                data = new DataInputStream(in);
                return data.readNBytes(data.readInt());
            case INT_LIST: {
                data = new DataInputStream(in);
                int n = data.readInt();
                ByteBuffer buf = ByteBuffer.wrap(data.readNBytes(4 * n));
                ArrayList<Integer> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(buf.getInt());
                }
                return list;
            }
            case LONG_LIST: {
                data = new DataInputStream(in);
                int n = data.readInt();
                ByteBuffer buf = ByteBuffer.wrap(data.readNBytes(8 * n));
                ArrayList<Long> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(buf.getLong());
                }
                return list;
            }
            case SERIALIZED:
                try (ObjectInputStream ois = new LoaderObjectInputStream(in, loader)) {
                    return ois.readObject();
                }
            default:
                throw new IOException("not a JdkCodec value: tag " + tag);
        }
    }

    /** Whether every element is of exactly this class (so none is null). */
    private static boolean allOf(ArrayList<?> list, Class<?> type) {
        if (list.isEmpty()) {
            return false;
        }
        for (Object o : list) {
            if (o == null || o.getClass() != type) {
                return false;
            }
        }
        return true;
    }

    private static void writeInt(OutputStream out, int v) throws IOException {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void writeLong(OutputStream out, long v) throws IOException {
        writeInt(out, (int) (v >>> 32));
        writeInt(out, (int) v);
    }

    /** Resolves classes with the worker's or controller's loader rather than the caller's. */
    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            if (loader != null) {
                try {
                    return Class.forName(desc.getName(), false, loader);
                } catch (ClassNotFoundException e) {
                    // primitives and array types fall through to the default resolution
                }
            }
            return super.resolveClass(desc);
        }
    }

}
