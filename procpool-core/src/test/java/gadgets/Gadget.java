package gadgets;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands for a deserialization gadget: a class outside every allow-list whose {@code readObject}
 * has a side effect. Tests assert the side effect never happens.
 */
public final class Gadget implements Serializable {
    private static final long serialVersionUID = 1L;
    /** How often {@code readObject} ran in this JVM. */
    public static final AtomicInteger READS = new AtomicInteger();

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        READS.incrementAndGet();
        in.defaultReadObject();
    }

    /** The Java serialization bytes of a Gadget. */
    public static byte[] serialized() {
        try (var bytes = new java.io.ByteArrayOutputStream(); var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(new Gadget());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
