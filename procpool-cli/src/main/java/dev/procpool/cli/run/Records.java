package dev.procpool.cli.run;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Splits a byte stream into input records (byte strings) at a delimiter byte, as GNU parallel
 * does: newline by default, NUL with {@code -0}, any byte with {@code -d}. A last record without
 * its delimiter still counts; nothing after the last delimiter is no record. A NUL inside a
 * record, which no argument can carry, becomes the two characters {@code \0}, with a warning once.
 */
final class Records {
    private final InputStream in;
    private final int delimiter;
    private final Consumer<String> warn;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int end;
    private boolean eof;
    private boolean warned;

    Records(InputStream in, int delimiter, Consumer<String> warn) {
        this.in = in;
        this.delimiter = delimiter;
        this.warn = warn;
    }

    /** The next record, or null at the end of the input. */
    String next() throws IOException {
        ByteArrayOutputStream partial = null;
        while (true) {
            for (int i = pos; i < end; i++) {
                if (buf[i] == delimiter) {
                    String r = record(partial, i);
                    pos = i + 1;
                    return r;
                }
            }
            if (eof) {
                if (partial == null && pos == end) {
                    return null;
                }
                String r = record(partial, end);
                pos = end;
                return r;
            }
            if (pos < end) {
                if (partial == null) {
                    partial = new ByteArrayOutputStream();
                }
                partial.write(buf, pos, end - pos);
            }
            pos = 0;
            int n = in.read(buf);
            if (n < 0) {
                eof = true;
                end = 0;
            } else {
                end = n;
            }
        }
    }

    private String record(ByteArrayOutputStream partial, int upTo) {
        String s;
        if (partial == null) {
            s = Bytes.of(buf, pos, upTo);
        } else {
            partial.write(buf, pos, upTo - pos);
            s = Bytes.of(partial.toByteArray());
        }
        if (delimiter != 0 && s.indexOf('\0') >= 0) {
            if (!warned) {
                warned = true;
                warn.accept("A NUL character in the input was replaced with \\0.");
                warn.accept("NUL cannot be passed through in the argument list.");
                warn.accept("Did you mean to use the --null option?");
            }
            s = s.replace("\0", "\\0");
        }
        return s;
    }
}
