package dev.procpool;

import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.OutputStream;

/**
 * Turns tasks, arguments, results and exceptions into bytes and back, for the trip between the
 * controller and a worker process. {@link JdkCodec} (Java serialization) is the default.
 *
 * <p>A codec is created in the child JVM from its class name, so an implementation must be a
 * public class with a public no-argument constructor, on the child's classpath, and stateless or
 * thread-safe.
 *
 * <pre>{@code
 * WorkerOptions options = WorkerOptions.builder().codec(new MyCodec()).build();
 * }</pre>
 */
public interface Codec {

    /**
     * Writes one value.
     *
     * @param value the value, may be null
     * @param out where to write; not to be closed by the codec
     * @throws NotSerializableException naming the offending class in its message, when the value
     *     (or something it refers to) cannot be encoded
     * @throws IOException on any other failure
     */
    void encode(Object value, OutputStream out) throws IOException;

    /**
     * Reads one value written by {@link #encode}.
     *
     * @param in the bytes of exactly one value
     * @param loader the class loader to resolve classes with
     * @return the value, may be null
     * @throws IOException if the bytes are malformed
     * @throws ClassNotFoundException if a class is unknown here
     */
    Object decode(InputStream in, ClassLoader loader) throws IOException, ClassNotFoundException;
}
