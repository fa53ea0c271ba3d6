package dev.procpool.internal;

import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.ProtocolException;
import dev.procpool.internal.protocol.RemoteWire;
import dev.procpool.jobs.Job;
import dev.procpool.jobs.JobHandle;
import dev.procpool.jobs.JobPool;
import dev.procpool.jobs.JobResult;
import dev.procpool.jobs.Output;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * Command jobs on a worker server ({@code procpool run -S HOST:PORT}): one authenticated
 * connection per job. After the usual challenge and proof, the controller sends {@link #R_JOB}
 * instead of {@code R_OPEN}; the server runs the command in its own {@link JobPool} (so a timeout
 * or a cancel kills the job's whole process tree there), and answers with the job's stdout and
 * stderr ({@link #R_JOB_OUTPUT}, in chunks) and its end ({@link #R_JOB_DONE}), then closes. A
 * {@link #R_JOB_CANCEL} from the controller, or the controller's connection ending, kills the job.
 * See docs/protocol.md, "Remote command jobs".
 *
 * <p>The server never deserializes anything here either: the job is a list of strings and two
 * numbers. The output is sent when the job ends, which is what {@code procpool run}'s grouping
 * (each job's output together) needs.
 */
public final class RemoteCommandJobs {
    /** controller → server, id = the controller's job number: run this command. */
    public static final byte R_JOB = 60;
    /** controller → server: kill the job (its process tree). */
    public static final byte R_JOB_CANCEL = 61;
    /** server → controller, id 1 (stdout) or 2 (stderr): a chunk of the job's output. */
    public static final byte R_JOB_OUTPUT = 62;
    /** server → controller: how the job ended; the last frame. */
    public static final byte R_JOB_DONE = 63;

    private static final int CHUNK = 1 << 20;
    private static volatile JobPool pool;

    private RemoteCommandJobs() {
    }

    /** Whether the first frame after authentication asks for a command job. */
    public static boolean isJob(byte type) {
        return type == R_JOB;
    }

    /**
     * Server side: runs the job {@code request} asks for and answers on {@code out}; returns when the
     * job has ended and its answer went out (or the controller went away, which kills the job).
     */
    public static void serve(Socket socket, RemoteWire.Raw request, InputStream in, OutputStream out,
            Consumer<String> log) throws IOException {
        DataInputStream d = request.data();
        int n = d.readInt();
        if (n < 1 || n > 100_000) {
            throw new ProtocolException("a command job needs 1 to 100000 words, not " + n);
        }
        List<String> argv = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String w = Buf.readString(d);
            if (w == null) {
                throw new ProtocolException("a command word is null");
            }
            argv.add(w);
        }
        long timeoutMillis = d.readLong();
        Job.Builder b = Job.builder(argv).name("remote-" + request.id()).stdout(Output.pipe()).stderr(Output.pipe());
        if (timeoutMillis > 0) {
            b.timeout(Duration.ofMillis(timeoutMillis));
        }
        JobHandle h = pool().submit(b.build());
        Thread watcher = new Thread(() -> {
            try {
                while (true) {
                    RemoteWire.Raw f = RemoteWire.read(in, 1024);
                    if (f.type() == R_JOB_CANCEL) {
                        h.cancel();
                        return;
                    }
                }
            } catch (IOException e) {
                // the controller is gone (or closed after DONE): nobody will collect the output
                if (h.cancel()) {
                    log.accept("lost the controller of command job " + request.id() + "; killed it");
                }
            }
        }, "procpool-server-job-" + request.id());
        watcher.setDaemon(true);
        watcher.start();
        JobResult r = h.future().join();
        sendChunks(out, 1, r.stdout());
        sendChunks(out, 2, r.stderr());
        Buf done = new Buf(128);
        done.writeString(r.status().name());
        done.writeInt(r.exitCode());
        done.writeInt(r.signalNumber());
        done.writeLong(r.start().map(java.time.Instant::toEpochMilli).orElse(-1L));
        done.writeLong(r.runtime().toMillis());
        done.writeString(r.error().orElse(null));
        RemoteWire.write(out, R_JOB_DONE, request.id(), done.toByteArray());
        out.flush();
    }

    private static void sendChunks(OutputStream out, int stream, byte[] bytes) throws IOException {
        for (int at = 0; at < bytes.length; at += CHUNK) {
            RemoteWire.write(out, R_JOB_OUTPUT, stream,
                    java.util.Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + CHUNK)));
        }
    }

    private static JobPool pool() throws IOException {
        JobPool p = pool;
        if (p == null) {
            synchronized (RemoteCommandJobs.class) {
                p = pool;
                if (p == null) {
                    // slots are the controllers' business (each sends as many jobs as it has slots here)
                    try {
                        p = JobPool.builder().name("remote-jobs").slots(1024).grace(Duration.ofMillis(200)).build();
                    } catch (dev.procpool.WorkerStartException e) {
                        throw new IOException("cannot start the server's job pool: " + e.getMessage(), e);
                    }
                    pool = p;
                }
            }
        }
        return p;
    }

    /** How a remote job ended, as the server reported it. */
    public record Result(String status, int exitCode, int signal, long startMillis, long runtimeMillis, String error,
            byte[] stdout, byte[] stderr, String host) {
    }

    /** Controller side: one job on one server. {@link #await} blocks; {@link #cancel} may come from any thread. */
    public static final class Call {
        private final Socket socket;
        private final String host;
        private final long id;

        private Call(Socket socket, String host, long id) {
            this.socket = socket;
            this.host = host;
            this.id = id;
        }

        /**
         * Connects, authenticates with {@code token} (TLS first when {@code tls} is given, the
         * server's certificate checked against its host name), and sends the job.
         */
        public static Call start(String host, int port, byte[] token, SSLContext tls, long id, List<String> argv,
                Duration timeout, int connectTimeoutMillis) throws IOException {
            RemoteLink link = RemoteLink.connect(host, port, tls, token, connectTimeoutMillis);
            Socket s = link.socket();
            try {
                OutputStream out = s.getOutputStream();
                String serverHost = link.host();
                Buf job = new Buf(256);
                job.writeInt(argv.size());
                argv.forEach(job::writeString);
                job.writeLong(timeout == null ? 0 : Math.max(1, timeout.toMillis()));
                RemoteWire.write(out, R_JOB, id, job.toByteArray());
                out.flush();
                s.setSoTimeout(0);
                return new Call(s, serverHost, id);
            } catch (IOException | RuntimeException e) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
                throw e;
            }
        }

        /** The server's host name, as it introduced itself. */
        public String serverHost() {
            return host;
        }

        /** Waits for the job's end; an IOException means the server (or the network) was lost. */
        public Result await() throws IOException {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            try {
                InputStream in = socket.getInputStream();
                while (true) {
                    RemoteWire.Raw f = RemoteWire.read(in, CHUNK + 64);
                    if (f.type() == R_JOB_OUTPUT) {
                        (f.id() == 1 ? out : err).write(f.payload());
                    } else if (f.type() == R_JOB_DONE && f.id() == id) {
                        DataInputStream d = f.data();
                        return new Result(Buf.readString(d), d.readInt(), d.readInt(), d.readLong(), d.readLong(),
                                Buf.readString(d), out.toByteArray(), err.toByteArray(), host);
                    } else {
                        throw new ProtocolException("unexpected frame type " + f.type() + " for a command job");
                    }
                }
            } finally {
                socket.close();
            }
        }

        /** Asks the server to kill the job; the server answers with DONE (status CANCELLED). */
        public void cancel() {
            try {
                synchronized (this) {
                    RemoteWire.write(socket.getOutputStream(), R_JOB_CANCEL, id, new byte[0]);
                    socket.getOutputStream().flush();
                }
            } catch (IOException e) {
                // the connection is gone: the server kills the job when it notices
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }
}
