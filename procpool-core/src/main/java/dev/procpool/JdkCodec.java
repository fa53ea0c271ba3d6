package dev.procpool;

import java.io.DataInputStream;
import java.io.DataOutputStream;
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
 * numbers sends and gets back), are written with a one-byte tag and their raw values instead.
 * A serializable lambda is written as the same {@link java.lang.invoke.SerializedLambda} Java
 * serialization would write, field by field, and read back through the same
 * {@code $deserializeLambda$} method, without an {@code ObjectInputStream}: several times faster per
 * task, and a fresh worker JVM skips the ~15 ms that setting up Java serialization costs. Everything
 * else, and any lambda this cannot handle, goes through Java serialization.
 *
 * <p>Decoding bytes from a source that is not trusted: {@link #JdkCodec(java.io.ObjectInputFilter)}
 * applies a filter to every {@code ObjectInputStream} it opens and to the capturing class of every
 * lambda before that class's {@code $deserializeLambda$} runs (a child JVM creates its own codec,
 * without a filter).
 *
 * <pre>{@code
 * WorkerOptions.builder().codec(new JdkCodec()).build();   // the default, spelled out
 * Codec strict = new JdkCodec(ObjectInputFilter.Config.createFilter("com.example.**;java.base/*;!*"));
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
    private static final int LAMBDA = 10;

    /** Creates the codec. */
    public JdkCodec() {
        this.filter = null;
    }

    /**
     * Creates a codec whose {@link #decode} builds only what {@code filter} allows: it is the
     * filter of every {@code ObjectInputStream} this codec opens, and is asked about the capturing
     * class of every lambda (before the class is initialised); anything not
     * {@link java.io.ObjectInputFilter.Status#ALLOWED} fails with an {@link java.io.InvalidClassException}.
     */
    public JdkCodec(java.io.ObjectInputFilter filter) {
        this.filter = java.util.Objects.requireNonNull(filter, "filter");
    }

    /** Null for none; immutable, so the codec stays thread-safe. */
    private final java.io.ObjectInputFilter filter;

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
        } else if (!Lambdas.encode(this, value, out)) {
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
                return new String(exactly(data, data.readInt(), 1), StandardCharsets.UTF_8);
            case BOOLEAN:
                return in.read() == 1;
            case DOUBLE:
                return Double.longBitsToDouble(new DataInputStream(in).readLong());
            case BYTES:
                data = new DataInputStream(in);
                return exactly(data, data.readInt(), 1);
            case INT_LIST: {
                data = new DataInputStream(in);
                int n = data.readInt();
                ByteBuffer buf = ByteBuffer.wrap(exactly(data, n, 4));
                ArrayList<Integer> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(buf.getInt());
                }
                return list;
            }
            case LONG_LIST: {
                data = new DataInputStream(in);
                int n = data.readInt();
                ByteBuffer buf = ByteBuffer.wrap(exactly(data, n, 8));
                ArrayList<Long> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(buf.getLong());
                }
                return list;
            }
            case LAMBDA:
                return Lambdas.decode(this, in, loader);
            case SERIALIZED:
                try (ObjectInputStream ois = new LoaderObjectInputStream(in, loader)) {
                    if (filter != null) {
                        ois.setObjectInputFilter(bounded(filter, in));
                    }
                    return ois.readObject();
                } catch (RuntimeException | InternalError | StackOverflowError e) {
                    if (filter == null) {
                        throw e;
                    }
                    // bytes from a peer: some corrupt streams end in the JDK's own NullPointerException,
                    // ClassCastException, InternalError ("length is odd", from an immutable map's
                    // serial form) or a stack overflow (deep nesting); to the caller, and to the
                    // thread that reads a connection, they are one more malformed input
                    java.io.StreamCorruptedException bad = new java.io.StreamCorruptedException(
                            "malformed serialized value: " + e);
                    bad.initCause(e);
                    throw bad;
                }
            default:
                throw new IOException("not a JdkCodec value: tag " + tag);
        }
    }

    /**
     * {@code n} items of {@code size} bytes, read before anything is built from them: a count
     * that the bytes do not back is refused, not allocated for.
     */
    private static byte[] exactly(DataInputStream in, int n, int size) throws IOException {
        if (n < 0 || (long) n * size > Integer.MAX_VALUE - 8) {
            throw new java.io.StreamCorruptedException("bad length " + n + " in a JdkCodec value");
        }
        byte[] b = in.readNBytes(n * size);
        if (b.length < n * size) {
            throw new java.io.EOFException("a JdkCodec value ends early: " + b.length + " of " + (n * size) + " bytes");
        }
        return b;
    }

    /**
     * The filter, plus a bound on array lengths when the input's size is known (bytes already in
     * memory, as frames are): every array element takes at least one byte of the stream, so a
     * longer array can only be a lie meant to make this JVM allocate. Filtered decoding is for
     * bytes from a peer, and a peer must not make us allocate gigabytes with a few bytes.
     */
    private static java.io.ObjectInputFilter bounded(java.io.ObjectInputFilter filter, InputStream in)
            throws IOException {
        if (!(in instanceof java.io.ByteArrayInputStream)) {
            return filter;
        }
        long max = in.available();
        return info -> info.arrayLength() > max ? java.io.ObjectInputFilter.Status.REJECTED : filter.checkInput(info);
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


    /** What a filter is asked about a lambda's capturing class: the class alone. */
    private record ClassOnly(Class<?> serialClass) implements java.io.ObjectInputFilter.FilterInfo {
        @Override
        public long arrayLength() {
            return -1;
        }

        @Override
        public long depth() {
            return 1;
        }

        @Override
        public long references() {
            return 0;
        }

        @Override
        public long streamBytes() {
            return 0;
        }
    }

    /** The compact form of serializable lambdas (see the class comment). */
    private static final class Lambdas {
        private static final ClassValue<java.lang.reflect.Method> WRITE_REPLACE = new ClassValue<>() {
            @Override
            protected java.lang.reflect.Method computeValue(Class<?> type) {
                try {
                    java.lang.reflect.Method m = type.getDeclaredMethod("writeReplace");
                    return m.trySetAccessible() ? m : null;
                } catch (NoSuchMethodException | RuntimeException e) {
                    return null;
                }
            }
        };
        private static final ClassValue<java.lang.reflect.Method> DESERIALIZE = new ClassValue<>() {
            @Override
            protected java.lang.reflect.Method computeValue(Class<?> type) {
                try {
                    java.lang.reflect.Method m = type.getDeclaredMethod("$deserializeLambda$",
                            java.lang.invoke.SerializedLambda.class);
                    return m.trySetAccessible() ? m : null;
                } catch (NoSuchMethodException | RuntimeException e) {
                    return null;
                }
            }
        };

        /** Writes {@code value} if it is a serializable lambda this can handle; false to fall back. */
        static boolean encode(JdkCodec codec, Object value, OutputStream out) throws IOException {
            Class<?> type = value.getClass();
            if (!type.isSynthetic() || !(value instanceof java.io.Serializable) || !type.getName().contains("$$Lambda")) {
                return false;
            }
            java.lang.reflect.Method writeReplace = WRITE_REPLACE.get(type);
            if (writeReplace == null) {
                return false;
            }
            java.lang.invoke.SerializedLambda sl;
            try {
                if (!(writeReplace.invoke(value) instanceof java.lang.invoke.SerializedLambda s)) {
                    return false;
                }
                sl = s;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false;
            }
            Class<?> capturing;
            try {
                capturing = Class.forName(sl.getCapturingClass().replace('/', '.'), false, type.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
            if (DESERIALIZE.get(capturing) == null) {
                return false; // not reachable from here (a module that does not open it): the long way
            }
            // captured values first, each length-prefixed, so a failure falls back before anything is written
            java.io.ByteArrayOutputStream args = new java.io.ByteArrayOutputStream(64);
            DataOutputStream argsOut = new DataOutputStream(args);
            for (int i = 0; i < sl.getCapturedArgCount(); i++) {
                java.io.ByteArrayOutputStream one = new java.io.ByteArrayOutputStream(32);
                codec.encode(sl.getCapturedArg(i), one);
                argsOut.writeInt(one.size());
                one.writeTo(argsOut);
            }
            byte[] header = HEADERS.get(type);
            if (header == null) {
                header = header(sl);
                HEADERS.put(type, header);
            }
            out.write(header);
            DataOutputStream data = new DataOutputStream(out);
            data.writeInt(sl.getCapturedArgCount());
            args.writeTo(data);
            data.flush();
            return true;
        }

        /** Everything but the captured values is the same for every instance of a lambda class. */
        private static final java.util.Map<Class<?>, byte[]> HEADERS = java.util.Collections.synchronizedMap(
                new java.util.WeakHashMap<>());

        private static byte[] header(java.lang.invoke.SerializedLambda sl) throws IOException {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(256);
            DataOutputStream data = new DataOutputStream(bytes);
            data.write(LAMBDA);
            data.writeUTF(sl.getCapturingClass());
            data.writeUTF(sl.getFunctionalInterfaceClass());
            data.writeUTF(sl.getFunctionalInterfaceMethodName());
            data.writeUTF(sl.getFunctionalInterfaceMethodSignature());
            data.writeInt(sl.getImplMethodKind());
            data.writeUTF(sl.getImplClass());
            data.writeUTF(sl.getImplMethodName());
            data.writeUTF(sl.getImplMethodSignature());
            data.writeUTF(sl.getInstantiatedMethodType());
            data.flush();
            return bytes.toByteArray();
        }

        static Object decode(JdkCodec codec, InputStream in, ClassLoader loader) throws IOException, ClassNotFoundException {
            DataInputStream data = new DataInputStream(in);
            String capturingName = data.readUTF();
            String fiClass = data.readUTF();
            String fiMethod = data.readUTF();
            String fiSignature = data.readUTF();
            int implKind = data.readInt();
            String implClass = data.readUTF();
            String implMethod = data.readUTF();
            String implSignature = data.readUTF();
            String instantiated = data.readUTF();
            int n = data.readInt();
            if (n < 0 || n > 65_535) {
                throw new IOException("bad captured argument count " + n);
            }
            Object[] captured = new Object[n];
            for (int i = 0; i < n; i++) {
                byte[] one = exactly(data, data.readInt(), 1);
                captured[i] = codec.decode(new java.io.ByteArrayInputStream(one), loader);
            }
            Class<?> capturing = Class.forName(capturingName.replace('/', '.'), false,
                    loader != null ? loader : ClassLoader.getSystemClassLoader());
            if (codec.filter != null && codec.filter.checkInput(new ClassOnly(capturing))
                    != java.io.ObjectInputFilter.Status.ALLOWED) {
                throw new java.io.InvalidClassException(capturing.getName(), "lambda rejected by the codec's filter");
            }
            java.lang.reflect.Method deserialize = DESERIALIZE.get(capturing);
            if (deserialize == null) {
                throw new java.io.InvalidClassException(capturingName, "its $deserializeLambda$ is not accessible");
            }
            java.lang.invoke.SerializedLambda sl = new java.lang.invoke.SerializedLambda(capturing, fiClass, fiMethod,
                    fiSignature, implKind, implClass, implMethod, implSignature, instantiated, captured);
            try {
                return deserialize.invoke(null, sl);
            } catch (java.lang.reflect.InvocationTargetException e) {
                java.io.InvalidObjectException bad = new java.io.InvalidObjectException(
                        "cannot rebuild lambda " + implClass + "." + implMethod + ": " + e.getCause());
                bad.initCause(e.getCause());
                throw bad;
            } catch (IllegalAccessException e) {
                throw new java.io.InvalidClassException(capturingName, e.toString());
            }
        }
    }
}
