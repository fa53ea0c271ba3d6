package dev.procpool.jobs;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The job-host side: runs one job's process from a job host (a pool worker: a thread of the
 * controller, or a worker JVM), enforces its timeout and restarts, and kills its whole process tree
 * when it times out or is cancelled.
 *
 * <p><b>How a job's process tree is found.</b> The JDK cannot start a child in a new process group
 * or session, or give it a parent-death signal. Wrapping every job in util-linux {@code setsid}
 * would give it a process group, but costs an extra exec per job (measured here: 1,370-1,750
 * {@code true}/s drop to 630-780/s with VFORK, 790/s to 510/s with POSIX_SPAWN), which would put
 * the jobs benchmark below {@code xargs -P 2}. Instead every job gets an environment variable,
 * {@code PROCPOOL_JOB=<host pid>:<job number>}, which every descendant inherits — also a grandchild
 * re-parented to init after its parent exited, which {@code ProcessHandle.descendants()} no longer
 * shows. Killing a job's tree kills the descendants of its process plus every process whose
 * {@code /proc/PID/environ} carries its mark. (A program that scrubs its environment and
 * detaches escapes; so would it escape a process group by calling setsid itself.)
 *
 * <p><b>When the host dies.</b> A worker JVM kills its descendants and halts when the controller
 * goes away, but escaped grandchildren are not descendants, and a thread host dies with the
 * controller without any last word. So each JVM that starts jobs starts one <em>reaper</em>
 * ({@code setsid -f sh}), outside its own process tree, holding the read end of a FIFO whose only
 * writer is that JVM (the JDK closes every other descriptor in the processes it starts): when the
 * JVM dies for any reason (exit, controller gone, SIGKILL, crash), the reaper reads EOF at once and
 * kills every process marked with the JVM's pid.
 */
final class JobHost {
    private static final String MARK = "PROCPOOL_JOB";
    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicLong SEQ = new AtomicLong();
    private static final File DEV_NULL = new File("/dev/null");
    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "procpool-job-output");
        t.setDaemon(true);
        return t;
    });
    private static volatile boolean reaperStarted;
    // held open for the life of the host: the reaper's EOF is the host's death
    @SuppressWarnings("unused")
    private static volatile java.io.Closeable reaperFifo;

    private JobHost() {
    }

    /** Runs a job to its end; throws {@link InterruptedException} (after killing it) when cancelled. */
    static HostOutcome run(JobSpec spec) throws InterruptedException {
        ensureReaper();
        if (spec.startDelayMillis() > 0) {
            Thread.sleep(spec.startDelayMillis());
        }
        int attempts = 0;
        while (true) {
            attempts++;
            String mark = PID + ":" + SEQ.incrementAndGet();
            ProcessBuilder pb = builder(spec, mark);
            long start = System.currentTimeMillis();
            Process p;
            try {
                p = pb.start();
            } catch (IOException | RuntimeException e) {
                return new HostOutcome("START_FAILED", -1, start, System.currentTimeMillis(), attempts,
                        null, null, e.getMessage());
            }
            Future<byte[]> out = capture(spec.stdoutKind(), p.getInputStream());
            Future<byte[]> err = capture(spec.stderrKind(), p.getErrorStream());
            long deadline = spec.timeoutMillis() > 0 ? System.nanoTime() + spec.timeoutMillis() * 1_000_000L : 0;
            boolean timedOut;
            try {
                timedOut = !waitFor(p, deadline);
                if (!timedOut) {
                    // a background grandchild may hold the pipes open: they count against the timeout too
                    timedOut = !awaitOutput(out, deadline) || !awaitOutput(err, deadline);
                }
            } catch (InterruptedException e) {
                // cancelled: the same SIGTERM-then-SIGKILL as a timeout, so a job may clean up
                killTree(p, mark, spec.graceMillis());
                throw e;
            }
            if (timedOut) {
                killTree(p, mark, spec.graceMillis());
                long stop = System.currentTimeMillis();
                if (attempts <= spec.restartsOnTimeout()) {
                    continue;
                }
                return new HostOutcome("TIMED_OUT", exitCode(p), start, stop, attempts,
                        get(out), get(err), null);
            }
            long stop = System.currentTimeMillis();
            int code = p.exitValue();
            return new HostOutcome(code == 0 ? "SUCCEEDED" : "FAILED", code, start, stop, attempts,
                    get(out), get(err), null);
        }
    }

    private static ProcessBuilder builder(JobSpec spec, String mark) {
        ProcessBuilder pb = new ProcessBuilder(spec.command());
        if (spec.workingDirectory() != null) {
            pb.directory(new File(spec.workingDirectory()));
        }
        Map<String, String> env = pb.environment();
        if (spec.clearEnvironment()) {
            env.clear();
        }
        env.putAll(spec.environment());
        env.put(MARK, mark);
        pb.redirectInput(DEV_NULL);
        pb.redirectOutput(redirect(spec.stdoutKind(), spec.stdoutFile()));
        if ("TO_STDOUT".equals(spec.stderrKind())) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(redirect(spec.stderrKind(), spec.stderrFile()));
        }
        return pb;
    }

    private static ProcessBuilder.Redirect redirect(String kind, String file) {
        switch (kind) {
            case "INHERIT":
                return ProcessBuilder.Redirect.INHERIT;
            case "FILE":
                return ProcessBuilder.Redirect.appendTo(new File(file));
            case "DISCARD":
                return ProcessBuilder.Redirect.DISCARD;
            default:
                return ProcessBuilder.Redirect.PIPE;
        }
    }

    private static Future<byte[]> capture(String kind, InputStream in) {
        if (!"PIPE".equals(kind)) {
            return null;
        }
        return READERS.submit(() -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (in) {
                in.transferTo(buf);
            } catch (IOException e) {
                // the stream was closed under us (the job was killed): keep what arrived
            }
            return buf.toByteArray();
        });
    }

    private static boolean waitFor(Process p, long deadline) throws InterruptedException {
        if (deadline == 0) {
            p.waitFor();
            return true;
        }
        return p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private static boolean awaitOutput(Future<byte[]> f, long deadline) throws InterruptedException {
        if (f == null) {
            return true;
        }
        try {
            if (deadline == 0) {
                f.get();
            } else {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        }
    }

    private static byte[] get(Future<byte[]> f) {
        if (f == null) {
            return null;
        }
        try {
            return f.get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            f.cancel(true);
            return null;
        }
    }

    private static int exitCode(Process p) {
        return p.isAlive() ? -1 : p.exitValue();
    }

    /**
     * SIGTERM to the whole tree, then (after {@code graceMillis}, or at once when it is 0) SIGKILL to
     * whatever of it is left, including members that appeared meanwhile; returns once the job's own
     * process is reaped.
     */
    static void killTree(Process p, String mark, long graceMillis) {
        if (graceMillis > 0) {
            Set<ProcessHandle> tree = tree(p, mark);
            tree.forEach(ProcessHandle::destroy);
            long until = System.nanoTime() + graceMillis * 1_000_000L;
            while (System.nanoTime() < until && tree.stream().anyMatch(JobHost::isRunning)) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        // a few rounds: a dying shell may still fork between our scan and its SIGKILL
        for (int round = 0; round < 5; round++) {
            Set<ProcessHandle> left = tree(p, mark);
            left.removeIf(h -> !isRunning(h));
            if (left.isEmpty()) {
                break;
            }
            left.forEach(ProcessHandle::destroyForcibly);
        }
        boolean interrupted = Thread.interrupted();
        while (true) {
            try {
                p.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static Set<ProcessHandle> tree(Process p, String mark) {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        all.add(p.toHandle());
        p.descendants().forEach(all::add);
        all.addAll(marked(mark));
        return all;
    }

    /** Every process whose environment holds {@code PROCPOOL_JOB=<mark>}. */
    static List<ProcessHandle> marked(String mark) {
        byte[] needle = (MARK + "=" + mark + "\0").getBytes(StandardCharsets.US_ASCII);
        List<ProcessHandle> found = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : proc) {
                byte[] env;
                try {
                    env = Files.readAllBytes(dir.resolve("environ"));
                } catch (IOException | UncheckedIOException e) {
                    continue; // gone, or not ours to read
                }
                if (contains(env, needle)) {
                    ProcessHandle.of(Long.parseLong(dir.getFileName().toString())).ifPresent(found::add);
                }
            }
        } catch (IOException e) {
            // no /proc: only the descendants are known
        }
        return found;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        // entries start at 0 or right after a NUL
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (i > 0 && hay[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Alive and not a zombie. */
    static boolean isRunning(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /** Starts this host's reaper once (see the class comment). */
    private static void ensureReaper() {
        if (reaperStarted) {
            return;
        }
        synchronized (JobHost.class) {
            if (reaperStarted) {
                return;
            }
            reaperStarted = true;
            try {
                startReaper();
            } catch (IOException | RuntimeException e) {
                System.err.println("procpool job host " + PID + ": no reaper, jobs' escaped grandchildren"
                        + " may outlive this host: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void startReaper() throws IOException, InterruptedException {
        Path fifo = Path.of(System.getProperty("java.io.tmpdir"), "procpool-reaper-" + PID + "-" + System.nanoTime());
        Process mk = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString())
                .redirectErrorStream(true).redirectInput(DEV_NULL).start();
        if (mk.waitFor() != 0) {
            throw new IOException("mkfifo " + fifo + " failed: "
                    + new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        }
        // $1 the FIFO, $2 this host's pid. Waits for EOF, then kills every marked process, a few rounds.
        String script = "exec 3<\"$1\"; rm -f \"$1\"; cat <&3 >/dev/null; exec 3<&-; n=0; "
                + "while [ $n -lt 10 ]; do "
                + "pids=$(grep -lzE \"^" + MARK + "=$2:\" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); "
                + "[ -z \"$pids\" ] && exit 0; kill -KILL $pids 2>/dev/null; n=$((n+1)); done";
        // O_RDWR does not block on a FIFO (O_WRONLY would, until a reader comes); the reaper's open for
        // reading then returns at once, and it deletes the path to say it holds its end
        reaperFifo = new java.io.RandomAccessFile(fifo.toFile(), "rw");
        new ProcessBuilder("setsid", "-f", "/bin/sh", "-c", script, "procpool-reaper", fifo.toString(),
                Long.toString(PID))
                .redirectInput(DEV_NULL).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start().waitFor();
        long until = System.nanoTime() + 5_000_000_000L;
        while (Files.exists(fifo) && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        if (Files.exists(fifo)) {
            Files.deleteIfExists(fifo);
            throw new IOException("the reaper did not open " + fifo + " within 5 s");
        }
    }
}
