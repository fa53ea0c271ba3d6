package dev.procpool.cli.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What {@code procpool run} writes about each job: its output (grouped, {@code --line-buffer},
 * {@code --tag}), its {@code --results} files, and its {@code --joblog} line (and the jobs
 * {@code --resume} skips).
 */
abstract class RunOutput extends RunInputs {
    /** A run-ending error (see {@link RunScheduler}). */
    abstract void fail(RuntimeException e);

    void log(Running r, Outcome result, int exitval, int signal) {
        if (joblogOut == null) {
            return;
        }
        double start = result.start().map(s -> s.toEpochMilli() / 1000.0).orElse(System.currentTimeMillis() / 1000.0);
        String line = String.format(Locale.ROOT, "%d\t%s\t%.3f\t%10.3f\t0\t%d\t%d\t%d\t", r.seq(), r.host, start,
                result.runtime().toMillis() / 1000.0, result.stdout().length, exitval, signal) + r.command() + "\n";
        try {
            joblogOut.write(Bytes.bytes(line));
            joblogOut.flush();
        } catch (IOException e) {
            throw new Fatal("cannot write --joblog '" + joblog + "': " + Bytes.text(String.valueOf(e.getMessage())), 255);
        }
    }

    String tagOf(Running r) {
        if (pipe && tagTemplate == null) {
            return tag ? "" : null;
        }
        if (tagTemplate != null) {
            return tagTemplate.expandUnquoted(jobArgs(r.args()), r.seq(), r.slot());
        }
        if (!tag) {
            return null;
        }
        List<String> all = new ArrayList<>();
        for (List<String> record : r.args()) {
            all.addAll(record);
        }
        return String.join(" ", all);
    }

    void output(Running r, Outcome result) {
        if (results != null) {
            writeResults(r, result);
        }
        if (json || results != null || ungroup && r.host.equals(":")) {
            printer.nothing(r.seq());
            return;
        }
        if (r.lineBufferFile() != null) {
            printLines(r, true);
            forgetLineBuffer(r);
            printer.job(r.seq(), new byte[0], result.stderr(), tagOf(r));
            return;
        }
        printer.job(r.seq(), result.stdout(), result.stderr(), tagOf(r));
    }

    // ---- --line-buffer: stdout goes to a file per job, whole lines of it are printed as they come ----

    final Map<Running, Long> lineBuffers = new HashMap<>();

    synchronized void printLines() {
        try {
            for (Running r : new ArrayList<>(lineBuffers.keySet())) {
                printLines(r, false);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    void printLines(Running r, boolean last) {
        Long offset = lineBuffers.get(r);
        if (offset == null) {
            return;
        }
        byte[] bytes;
        try (var ch = Files.newByteChannel(r.lineBufferFile(), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= offset) {
                return;
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(size - offset, 1 << 24));
            ch.position(offset);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // fill
            }
            bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (NoSuchFileException e) {
            return; // not started yet
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int end = bytes.length;
        if (!last) {
            while (end > 0 && bytes[end - 1] != '\n') {
                end--;
            }
        }
        if (end == 0) {
            return;
        }
        byte[] chunk = java.util.Arrays.copyOf(bytes, end);
        lineBuffers.put(r, offset + end);
        String t = tagOf(r);
        printer.stdout(t == null ? chunk : Printer.tagLines(t, chunk));
        if (last && end < bytes.length) {
            printLines(r, true);
        }
    }

    void forgetLineBuffer(Running r) {
        if (lineBuffers.remove(r) != null) {
            try {
                Files.deleteIfExists(r.lineBufferFile());
            } catch (IOException e) {
                // a temporary file; the directory goes at the end
            }
        }
    }

    // ---- --results ----

    /** Checks up front that --results is (or can be made) a directory, as GNU's mkdir would fail. */
    void prepareResults() {
        Path dir = Bytes.nativePath(results);
        if (dir == null) {
            Bytes.Helper h;
            try {
                h = Bytes.sh("mkdir -p -- \"$1\" && test -w \"$1\"", null, results);
            } catch (IOException e) {
                throw new Fatal("cannot make --results directory '" + results + "': " + Bytes.text(e.getMessage()), 255);
            }
            if (h.exit() != 0) {
                throw new Fatal("cannot make --results directory '" + results + "': " + Bytes.text(h.err()), 255);
            }
            return;
        }
        try {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new AccessDeniedException(dir.toString());
            }
        } catch (IOException e) {
            throw resultsError(results, e);
        }
    }

    /** GNU parallel dies with mkdir's errno: 17 when a file is in the way, 2 when a parent is missing. */
    static Fatal resultsError(String path, IOException e) {
        int errno;
        String why;
        if (e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException
                || e instanceof FileSystemException fse && "Not a directory".equals(fse.getReason())) {
            errno = 17;
            why = "a file (not a directory) is in the way";
        } else if (e instanceof NoSuchFileException) {
            errno = 2;
            why = "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            errno = 13;
            why = "permission denied";
        } else {
            errno = 255;
            why = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : String.valueOf(e.getMessage());
        }
        return new Fatal("cannot write --results '" + path + "': " + Bytes.text(why), errno);
    }

    void writeResults(Running r, Outcome result) {
        String d = results;
        int i = 0;
        for (List<String> record : r.args()) {
            for (String v : record) {
                d = d + "/" + (++i) + "/" + escapeForPath(v);
            }
        }
        Path native_ = Bytes.nativePath(d);
        try {
            if (native_ != null) {
                Files.createDirectories(native_);
                Files.write(native_.resolve("stdout"), result.stdout());
                Files.write(native_.resolve("stderr"), result.stderr());
                Files.writeString(native_.resolve("seq"), Long.toString(r.seq()));
                return;
            }
            // a path the JVM cannot spell under this locale: written here, moved there by the shell
            Path tmp = Files.createTempDirectory("procpool-results-");
            try {
                Files.write(tmp.resolve("stdout"), result.stdout());
                Files.write(tmp.resolve("stderr"), result.stderr());
                Files.writeString(tmp.resolve("seq"), Long.toString(r.seq()));
                Bytes.Helper h = Bytes.sh("mkdir -p -- \"$1\" && mv -f -- \"$2/stdout\" \"$2/stderr\" \"$2/seq\" \"$1/\"",
                        null, d, tmp.toString());
                if (h.exit() != 0) {
                    throw new Fatal("cannot write --results '" + d + "': " + Bytes.text(h.err()), 255);
                }
            } finally {
                deleteTree(tmp);
            }
        } catch (IOException e) {
            throw resultsError(d, e);
        }
    }

    /** GNU parallel's escaping of an argument as a directory name. */
    static String escapeForPath(String arg) {
        String s = arg.replace("\\", "\\\\").replace("/", "\\_");
        return s.isEmpty() ? "\\0" : s.equals(".") ? "\\." : s.equals("..") ? "\\.\\." : s;
    }

    static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // temporary files: best effort
        }
    }

    Set<Long> readJoblogSkips() throws IOException {
        if (!(resume || resumeFailed)) {
            return Set.of();
        }
        Path p = Bytes.nativePath(joblog);
        byte[] content;
        if (p != null) {
            if (!Files.exists(p)) {
                return Set.of();
            }
            content = Files.readAllBytes(p);
        } else {
            Bytes.Helper h = Bytes.sh("test -e \"$1\" || exit 0; exec cat -- \"$1\"", null, joblog);
            content = h.out();
        }
        Set<Long> s = new HashSet<>();
        for (String line : Bytes.of(content).split("\n")) {
            String[] f = line.split("\t", 9);
            if (f.length < 9 || f[0].equals("Seq")) {
                continue;
            }
            try {
                long seq = Long.parseLong(f[0].strip());
                boolean ok = f[6].strip().equals("0") && f[7].strip().equals("0");
                if (resume || ok) {
                    s.add(seq);
                }
            } catch (NumberFormatException e) {
                // not a job line
            }
        }
        return s;
    }

    static final String JOBLOG_HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

    void openJoblog() throws IOException {
        if (joblog == null) {
            return;
        }
        if (joblog.equals("-")) {
            joblogOut = new java.io.FilterOutputStream(stdout) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    printer.stdout(java.util.Arrays.copyOfRange(b, off, off + len));
                }

                @Override
                public void close() throws IOException {
                    flush(); // stdout stays open
                }
            };
            joblogOut.write(Bytes.bytes(JOBLOG_HEADER));
            return;
        }
        Path p = Bytes.nativePath(joblog);
        boolean append;
        if (p == null) {
            // a name the JVM cannot spell under this locale: a shell child holds the file
            Bytes.Helper check = Bytes.sh("test -d \"$1\" && exit 21; : >> \"$1\"", null, joblog);
            if (check.exit() != 0) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": "
                        + (check.exit() == 21 ? "it is a directory" : Bytes.text(check.err())), 255);
            }
            append = resume || resumeFailed;
            Process cat = new ProcessBuilder(Bytes.processArguments(List.of("/bin/sh", "-c",
                    (append ? "exec cat >> \"$1\"" : "exec cat > \"$1\""), "sh", joblog)))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            joblogOut = new java.io.FilterOutputStream(cat.getOutputStream()) {
                @Override
                public void close() throws IOException {
                    super.close();
                    try {
                        cat.waitFor(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
        } else {
            if (Files.isDirectory(p)) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": it is a directory", 255);
            }
            append = (resume || resumeFailed) && Files.exists(p);
            try {
                joblogOut = new java.io.BufferedOutputStream(Files.newOutputStream(p, StandardOpenOption.CREATE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
            } catch (NoSuchFileException e) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": no such directory", 255);
            } catch (AccessDeniedException e) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": permission denied", 255);
            } catch (IOException e) {
                throw new Fatal("Cannot write to --joblog " + joblog + ": " + Bytes.text(String.valueOf(e.getMessage())), 255);
            }
        }
        if (!append) {
            joblogOut.write(Bytes.bytes(JOBLOG_HEADER));
            joblogOut.flush();
        }
    }
}
