package dev.procpool.internal;

import dev.procpool.Codec;
import dev.procpool.TaskNotSerializableException;
import java.io.NotSerializableException;
import java.io.OutputStream;

/** Encoding with the failure turned into an exception that names the offending class. */
final class Codecs {
    private Codecs() {
    }

    /**
     * Encodes {@code value} into {@code out}.
     *
     * @throws TaskNotSerializableException naming what ({@code what}) and the offending class
     */
    static void check(Codec codec, String what, Object value, OutputStream out) {
        try {
            codec.encode(value, out);
        } catch (NotSerializableException e) {
            throw new TaskNotSerializableException(what, e.getMessage() == null
                    ? value.getClass().getName() : e.getMessage(), e);
        } catch (Exception | StackOverflowError e) {
            throw new TaskNotSerializableException(what, value == null ? "null" : value.getClass().getName(), e);
        }
    }
}
