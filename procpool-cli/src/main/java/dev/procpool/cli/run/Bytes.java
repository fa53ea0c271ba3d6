package dev.procpool.cli.run;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Byte-exact strings for {@code procpool run}: every argument, input record, replacement and path
 * passes through unchanged, whatever the locale, as in GNU parallel.
 *
 * <p>Why this is needed: the JVM turns argv into Strings, and Strings back into the bytes of a
 * child's argv and of file names, with {@code sun.jnu.encoding}, which comes from the locale and
 * cannot be overridden on the command line (JDK 17 and 25 both ignore {@code -Dsun.jnu.encoding};
 * JDK 17 encodes child arguments with {@code file.encoding}, JDK 18+ with {@code sun.jnu.encoding}).
 * With {@code LANG} unset it is US-ASCII (every byte above 0x7F becomes {@code ?}); under
 * {@code C.UTF-8} a Latin-1 byte becomes U+FFFD. No locale maps every byte one to one unless one
 * is installed (a fresh machine has only C, C.UTF-8 and POSIX), and changing the JVM's locale would
 * also change the jobs' own.
 *
 * <p>The design: inside {@code procpool run} every string is a <em>byte string</em>, one char per
 * byte (ISO-8859-1 decoding, which maps 0x00-0xFF one to one). The arguments are taken as bytes
 * from {@code /proc/self/cmdline} ({@link #rawArguments}); input is read as bytes; output is
 * written as bytes. Where a byte string must leave the JVM through its encoding (a child's argv, a
 * file name), {@link #toNative} decodes it with the JVM's charset if that charset gives back the
 * same bytes (the common case: UTF-8 names under a UTF-8 locale, ASCII anywhere); otherwise the
 * child is started through {@code /bin/sh} with a pure-ASCII script whose {@code printf} rebuilds
 * the exact bytes and {@code exec}s the real command ({@link #processArguments}), and files are
 * read and written by such a child ({@code cat}, {@code mkdir}). The job's environment, and so its
 * locale, is left alone.
 */
final class Bytes {
    private static final Charset JNU = charset(System.getProperty("sun.jnu.encoding"));

    private Bytes() {
    }

    private static Charset charset(String name) {
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** A byte string from bytes. */
    static String of(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static String of(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** The bytes of a byte string (a char above 0xFF, from Java text, becomes '?'). */
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A byte string read as UTF-8 text (for JSON; bytes that are not UTF-8 become U+FFFD). */
    static String utf8(String byteString) {
        return new String(bytes(byteString), StandardCharsets.UTF_8);
    }

    /** A byte string from Java text (messages, numbers), encoded as UTF-8. */
    static String text(String javaText) {
        return of(javaText.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The main arguments as byte strings. {@code /proc/self/cmdline} holds the exact bytes; its last
     * {@code args.length} entries are the main arguments, which is checked by decoding them as the
     * launcher did. Where it cannot be read or does not match, the arguments are used as they are.
     */
    static String[] rawArguments(String[] args) {
        byte[] cmdline;
        try {
            cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        } catch (IOException | RuntimeException e) {
            return toByteStrings(args);
        }
        List<byte[]> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                entries.add(Arrays.copyOfRange(cmdline, start, i));
                start = i + 1;
            }
        }
        if (start < cmdline.length) {
            entries.add(Arrays.copyOfRange(cmdline, start, cmdline.length));
        }
        if (entries.size() < args.length) {
            return toByteStrings(args);
        }
        String[] out = new String[args.length];
        int first = entries.size() - args.length;
        for (int i = 0; i < args.length; i++) {
            byte[] raw = entries.get(first + i);
            if (!new String(raw, JNU).equals(args[i])) {
                return toByteStrings(args);
            }
            out[i] = of(raw);
        }
        return out;
    }

    private static String[] toByteStrings(String[] args) {
        String[] out = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            out[i] = of(args[i].getBytes(JNU));
        }
        return out;
    }

    /**
     * The Java string that the JVM turns back into exactly these bytes (as an argument of a child
     * and as a file name), or null when there is none under this locale.
     */
    static String toNative(String byteString) {
        boolean ascii = true;
        for (int i = 0; i < byteString.length() && ascii; i++) {
            ascii = byteString.charAt(i) < 0x80;
        }
        if (ascii) {
            return byteString;
        }
        byte[] raw = bytes(byteString);
        String decoded = new String(raw, JNU);
        if (Arrays.equals(decoded.getBytes(JNU), raw)
                && Arrays.equals(decoded.getBytes(Charset.defaultCharset()), raw)) {
            return decoded;
        }
        return null;
    }

    /** A path for Java's file API, or null when the bytes cannot pass through it (see {@link #toNative}). */
    static Path nativePath(String byteString) {
        String s = toNative(byteString);
        return s == null ? null : Path.of(s);
    }

    /**
     * A child's argv, as Strings the JVM encodes back into exactly the given bytes: the words
     * themselves when the locale's charset round-trips them, else {@code /bin/sh -c SCRIPT} where
     * the ASCII script rebuilds each word with {@code printf} octal escapes and {@code exec}s it.
     */
    static List<String> processArguments(List<String> byteWords) {
        List<String> direct = new ArrayList<>(byteWords.size());
        for (String w : byteWords) {
            String n = toNative(w);
            if (n == null) {
                return List.of("/bin/sh", "-c", rebuildScript(byteWords) + "exec \"$@\"");
            }
            direct.add(n);
        }
        return direct;
    }

    /**
     * A child's argv in ASCII only, for another machine whose locale is unknown: the words
     * themselves when they are ASCII, else {@code /bin/sh -c SCRIPT} rebuilding them.
     */
    static List<String> asciiArguments(List<String> byteWords) {
        for (String w : byteWords) {
            for (int i = 0; i < w.length(); i++) {
                if (w.charAt(i) >= 0x80) {
                    return List.of("/bin/sh", "-c", rebuildScript(byteWords) + "exec \"$@\"");
                }
            }
        }
        return byteWords;
    }

    /**
     * Shell code that sets the positional parameters to the given byte strings. The command
     * substitution gets an {@code x} appended and stripped, so trailing newlines survive.
     */
    static String rebuildScript(List<String> byteWords) {
        StringBuilder sb = new StringBuilder("set --; ");
        for (String w : byteWords) {
            sb.append("a=$(printf '");
            for (int i = 0; i < w.length(); i++) {
                char c = w.charAt(i);
                // letters, digits and a few harmless marks as they are; every other byte (also a
                // leading '-', which printf would take for an option) as an octal escape
                if (c < 0x80 && (Character.isLetterOrDigit(c) || "./_,:=+@ ".indexOf(c) >= 0)) {
                    sb.append(c);
                } else {
                    sb.append('\\').append(String.format("%03o", c & 0xFF));
                }
            }
            sb.append("'; printf x); set -- \"$@\" \"${a%x}\"; ");
        }
        return sb.toString();
    }

    /** What a helper process gave: exit status, stdout, stderr. */
    record Helper(int exit, byte[] out, String err) {
    }

    /** Runs {@code sh -c script sh ARGS...} with byte-string arguments and the given stdin. */
    static Helper sh(String script, byte[] stdin, String... byteArgs) throws IOException {
        List<String> words = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh"));
        words.addAll(List.of(byteArgs));
        Process p = new ProcessBuilder(processArguments(words)).start();
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        } catch (IOException e) {
            // the helper did not read its input: its exit status says why
        }
        try {
            int exit = p.waitFor();
            return new Helper(exit, out.join(), new String(err.join(), StandardCharsets.UTF_8).strip());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (in) {
                in.transferTo(buf);
            } catch (IOException e) {
                // the process ended; what was read is kept
            }
            f.complete(buf.toByteArray());
        }, "procpool-run-helper-io");
        t.setDaemon(true);
        t.start();
        return f;
    }
}
