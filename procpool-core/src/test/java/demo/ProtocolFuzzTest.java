package demo;

import dev.procpool.Token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.JdkCodec;
import dev.procpool.OutputHandler;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.internal.AllowList;
import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.Failures;
import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.Handshake;
import dev.procpool.internal.protocol.LogFrames;
import dev.procpool.internal.protocol.ProtocolException;
import dev.procpool.internal.protocol.RemoteWire;
import dev.procpool.internal.logs.Json;
import dev.procpool.logs.LogEvent;
import dev.procpool.logs.LogServer;
import dev.procpool.remote.WorkerServer;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.Misbehave;
import gadgets.Gadget;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing of everything that parses bytes from a peer: a seeded mutation generator (see
 * {@link Mutator}) with a fixed budget, over the frame decoder, the worker handshake, the
 * controller/worker-server wire, log frames, error payloads and the log server's lines, in
 * memory, and then over sockets against a running worker server and log server.
 *
 * <p>What must hold for every input: the decoder returns or throws its own checked exception
 * (never another exception, an error or a hang); nothing is accepted without the secret; the
 * servers go on serving real clients afterwards; no gadget class is ever deserialized. Each run
 * prints its figures; {@code -Dprocpool.fuzz.seed=N} and {@code -Dprocpool.fuzz.scale=K}
 * (budget times K) explore further than CI does.
 */
@Tag("fuzz")
class ProtocolFuzzTest {
    static final long SEED = Long.getLong("procpool.fuzz.seed", 20261208L);
    static final int SCALE = Integer.getInteger("procpool.fuzz.scale", 1);
    static final List<String> FIGURES = new CopyOnWriteArrayList<>();

    @AfterAll
    static void report() {
        FIGURES.forEach(f -> System.out.println("fuzz (seed " + SEED + "): " + f));
    }

    interface Target {
        /** Decodes one input; returns whether it was accepted. */
        boolean decode(byte[] input) throws IOException;
    }

    /** Runs {@code inputs} mutations through {@code target}; any exception but an IOException is a failure. */
    static void fuzz(String name, int inputs, List<byte[]> seeds, Target target) {
        Mutator m = new Mutator(SEED ^ name.hashCode(), seeds);
        int accepted = 0;
        int refused = 0;
        long slowest = 0;
        long start = System.nanoTime();
        for (int i = 0; i < inputs * SCALE; i++) {
            byte[] input = m.next();
            long t0 = System.nanoTime();
            try {
                if (target.decode(input)) {
                    accepted++;
                } else {
                    refused++;
                }
            } catch (IOException e) {
                refused++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(name + ": input " + i + " (seed " + SEED + ") ended in " + e + "; input "
                        + Mutator.show(input), e);
            }
            long took = System.nanoTime() - t0;
            if (took > 2_000_000_000L) {
                FIGURES.add(name + ": input " + i + " took " + took / 1_000_000 + " ms: " + Mutator.show(input));
            }
            slowest = Math.max(slowest, took);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        FIGURES.add(String.format("%s: %d inputs, %d decoded, %d refused, no crash; slowest %.1f ms, all %d ms", name,
                inputs * SCALE, accepted, refused, slowest / 1e6, ms));
        assertThat(slowest).as(name + ": slowest input, ns (a hang would show here)").isLessThan(10_000_000_000L);
    }

    static byte[] frame(byte type, long id, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(Frames.HEADER + payload.length);
        b.putInt(9 + payload.length).put(type).putLong(id).put(payload);
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] hello(String secret) {
        return ServerLimitsTest.hello(Frames.MAGIC, Frames.VERSION, secret);
    }

    static byte[] logEvents() {
        Buf b = new Buf(256);
        LogFrames.encode(b, 1_700_000_000L, 123, 2, "demo.logger", "main", "hello", null, Map.of("k", "v"));
        LogFrames.encode(b, 1_700_000_001L, 0, 4, "demo.logger", "worker", "boom",
                new IllegalStateException("bad", new IOException("cause")), Map.of());
        return b.toByteArray();
    }

    static byte[] error() {
        return Failures.encode(Frames.ERR_THREW, new IllegalArgumentException("boom", new IOException("io")),
                new JdkCodec()).toByteArray();
    }

    static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JdkCodec().encode(o, out);
        return out.toByteArray();
    }

    static final String SECRET = "0123456789abcdef0123456789abcdef";
    static int gadgetReads;

    @org.junit.jupiter.api.BeforeAll
    static void countGadgets() {
        gadgetReads = Gadget.READS.get();
    }

    @AfterAll
    static void noGadgetWasBuilt() {
        assertThat(Gadget.READS.get()).as("gadget readObject calls").isEqualTo(gadgetReads);
    }

    @Test
    void frameDecoder() throws Exception {
        byte[] result = serialized(List.of("a", 1, 2.5));
        byte[] gadget = serialized(new Gadget());
        List<byte[]> frames = List.of(frame(Frames.HELLO, 7, hello(SECRET)),
                frame(Frames.RESULT, 1, result), frame(Frames.ERROR, 2, error()), frame(Frames.LOG, 2, logEvents()),
                concat(frame(Frames.PONG, 3, new byte[0]), frame(Frames.BYE, 1, new byte[0])),
                frame(Frames.RESULT, 4, gadget));
        fuzz("frame decoder (FrameChannel.read)", 8_000, frames, input -> {
            FrameChannel ch = FrameChannel.reading(new ByteArrayInputStream(input));
            int n = 0;
            while (true) {
                try {
                    ch.read();
                    n++;
                } catch (java.io.EOFException e) {
                    return n > 0;
                }
            }
        });
    }

    @Test
    void workerHandshake() {
        AtomicInteger wronglyAccepted = new AtomicInteger();
        fuzz("worker handshake (HELLO)", 10_000, List.of(hello(SECRET), hello("other"), hello("")), input -> {
            try {
                Handshake.checkWorkerHello(Frames.HELLO, 7, input, 7, SECRET);
            } catch (Handshake.Refused e) {
                return false;
            }
            // accepted: then the input must carry exactly this secret, read independently
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(input));
            boolean ok = in.readInt() == Frames.MAGIC & in.readInt() == Frames.VERSION;
            in.readLong();
            in.readLong();
            int n = in.readInt();
            ok &= n == SECRET.length() && new String(in.readNBytes(n), StandardCharsets.UTF_8).equals(SECRET);
            if (!ok) {
                wronglyAccepted.incrementAndGet();
            }
            return true;
        });
        assertThat(wronglyAccepted).as("HELLOs accepted without the secret").hasValue(0);
    }

    @Test
    void remoteWire() {
        byte[] token = "fuzz-token-0123456789".getBytes(StandardCharsets.UTF_8);
        Buf challenge = new Buf(48);
        challenge.writeInt(RemoteWire.MAGIC);
        challenge.writeInt(Frames.VERSION);
        challenge.write(RemoteWire.nonce(), 0, RemoteWire.NONCE);
        byte[] auth = concat(RemoteWire.nonce(), RemoteWire.proof(token, "controller", RemoteWire.nonce()));
        fuzz("remote wire (RemoteWire.read, 4 KiB before authentication)", 10_000,
                List.of(frame(Frames.R_CHALLENGE, 0, challenge.toByteArray()), frame(Frames.R_AUTH, 0, auth),
                        frame(Frames.REFUSE, 0, "no".getBytes(StandardCharsets.UTF_8))), input -> {
                    RemoteWire.Raw r = RemoteWire.read(new ByteArrayInputStream(input), RemoteWire.MAX_UNAUTHENTICATED);
                    assertThat(r.payload().length).isLessThanOrEqualTo(RemoteWire.MAX_UNAUTHENTICATED);
                    return true;
                });
    }

    @Test
    void logFrames() {
        fuzz("log frames (LogFrames.decode)", 8_000, List.of(logEvents()), input -> {
            int[] events = {0};
            try {
                LogFrames.decode(input, 2, (sec, nano, level, logger, thread, message, exception, mdc) -> events[0]++);
            } catch (ProtocolException e) {
                return false;
            }
            return events[0] == 2;
        });
    }

    @Test
    void errorPayloads() {
        JdkCodec filtered = new JdkCodec(AllowList.naming("java.base/*;dev.procpool.**;!*"));
        fuzz("error payloads (Failures.decode)", 5_000, List.of(error(), concat(new byte[] {0}, new byte[] {0, 0, 0, 0})),
                input -> {
                    if (input.length == 0) {
                        return false;
                    }
                    try {
                        return Failures.decode(input, filtered, ProtocolFuzzTest.class.getClassLoader()) != null;
                    } catch (ProtocolException e) {
                        return false;
                    }
                });
    }

    @Test
    void logServerLines() {
        String line = dev.procpool.logs.JsonLinesSink.toJson(new LogEvent(Instant.parse("2026-11-22T18:00:00Z"), "w-1",
                LogEvent.Source.LOG, org.slf4j.event.Level.INFO, "demo.logger", "main", "hello \"there\"", null,
                Map.of("a", "b")));
        fuzz("log server lines (Json.decode)", 10_000, List.of(line.getBytes(StandardCharsets.UTF_8),
                line.replace("\"log\"", "null").getBytes(StandardCharsets.UTF_8)), input -> {
                    try {
                        Json.decode(new String(input, StandardCharsets.UTF_8));
                        return true;
                    } catch (Json.BadJsonException e) {
                        return false;
                    }
                });
    }

    /** Sends {@code input} on a new connection, ends the sending side, and reads all the server says. */
    static byte[] exchange(InetSocketAddress server, byte[] input, byte[] before) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server, 5000);
            s.setSoTimeout(15_000); // more than the handshake timeout: a server that hangs shows here
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (before != null) {
                out.write(before);
            }
            try {
                out.write(input);
                out.flush();
                s.shutdownOutput();
            } catch (IOException e) {
                // the server hung up early (a refusal): read what it said
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0 && got.size() < (1 << 20);) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("the server neither answered nor closed within 15 s after "
                        + Mutator.show(input));
            } catch (IOException e) {
                // reset by the server: fine
            }
            return got.toByteArray();
        }
    }

    /** The types of the frames in {@code bytes} (as far as they parse). */
    static List<Byte> frameTypes(byte[] bytes) {
        List<Byte> types = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.remaining() >= Frames.HEADER) {
            int length = b.getInt();
            types.add(b.get());
            if (length < 9 || length - 1 > b.remaining()) {
                break;
            }
            b.position(b.position() + length - 1);
        }
        return types;
    }

    @Test
    @Tag("jvm")
    void aWorkerServerRefusesEveryMutatedHandshakeAndKeepsServing() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        byte[] wrongToken = "not-the-token-0123456789".getBytes(StandardCharsets.UTF_8);
        try (WorkerServer server = WorkerServer.start(RemoteUserClassesTest.serverOptions(log).build())) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.address().getPort());
            Buf open = new Buf(64);
            open.writeString("fuzz");
            open.writeString(JdkCodec.class.getName());
            open.writeString(null);
            open.writeInt(0);
            open.writeInt(0);
            open.writeString("java.base/*;!*");
            open.write(0);
            byte[] auth = frame(Frames.R_AUTH, 0, concat(RemoteWire.nonce(),
                    RemoteWire.proof(wrongToken, "controller", RemoteWire.nonce())));
            List<byte[]> seeds = List.of(auth, concat(auth, frame(Frames.R_OPEN, 1, open.toByteArray())),
                    frame(Frames.R_OPEN, 1, open.toByteArray()), hello("x"));
            int before = Gadget.READS.get();
            int[] accepted = {0};
            fuzz("worker server, before authentication (sockets)", 300, seeds, input -> {
                byte[] answer = exchange(address, input, null);
                List<Byte> types = frameTypes(answer);
                if (types.contains(Frames.R_ACCEPT) || types.contains(Frames.R_STARTED)) {
                    accepted[0]++;
                }
                return false;
            });
            assertThat(accepted[0]).as("connections accepted without the token").isZero();
            assertThat(log).noneMatch(l -> l.contains("started worker"));
            assertThat(Gadget.READS.get()).isEqualTo(before);

            // after authentication: mutated OPEN requests, on a server kept at its worker limit so
            // that one that still parses is refused instead of starting a JVM
            fuzzOpenAfterAuthentication(open.toByteArray());

            // and it still serves a real controller
            Worker<String> w = Workers.start(WorkerType.REMOTE, () -> "still serving", WorkerOptions.builder()
                    .output(OutputHandler.discard()).remote(server.remoteOptions().allowClasses("demo.*").build()).build());
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).isEqualTo("still serving");
        }
    }

    private void fuzzOpenAfterAuthentication(byte[] open) throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (WorkerServer server = WorkerServer.start(RemoteUserClassesTest.serverOptions(log).maxWorkers(1).build())) {
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(server.remoteOptions().build()).build();
            Worker<String> occupant = Workers.start(WorkerType.REMOTE, Misbehave.hang(), options);
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.address().getPort());
            fuzz("worker server, OPEN after authentication (sockets)", 200, List.of(open), input -> {
                try (Socket s = new Socket()) {
                    s.connect(address, 5000);
                    s.setSoTimeout(15_000);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    RemoteWire.Raw c = RemoteWire.read(in, RemoteWire.MAX_UNAUTHENTICATED);
                    DataInputStream d = c.data();
                    d.readInt();
                    d.readInt();
                    byte[] nonce = d.readNBytes(RemoteWire.NONCE);
                    byte[] ours = RemoteWire.nonce();
                    RemoteWire.write(out, Frames.R_AUTH, 0,
                            concat(ours, RemoteWire.proof(RemoteUserClassesTest.TOKEN.bytes(), "controller", nonce)));
                    assertThat(RemoteWire.read(in, 4096).type()).isEqualTo(Frames.R_ACCEPT);
                    out.write(frame(Frames.R_OPEN, 1, input));
                    s.shutdownOutput();
                    byte[] answer = in.readAllBytes();
                    List<Byte> types = frameTypes(answer);
                    assertThat(types).as("answer to OPEN " + Mutator.show(input)).doesNotContain(Frames.R_STARTED);
                    return false;
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("no answer to OPEN " + Mutator.show(input) + " within 15 s");
                }
            });
            assertThat(log).filteredOn(l -> l.contains("started worker")).hasSize(1); // the occupant alone
            occupant.kill();
            occupant.await(Deadlines.LONG);
        }
    }

    @Test
    void aLogServerAcceptsNoEventWithoutTheTokenAndKeepsServing() throws Exception {
        List<LogEvent> received = new CopyOnWriteArrayList<>();
        String secret = "log-token-0123456789";
        Token token = Token.of(secret);
        try (LogServer server = LogServer.builder().token(token).sink(received::add).start()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
            String event = dev.procpool.logs.JsonLinesSink.toJson(LogEvent.ofLine("w", LogEvent.Source.STDOUT, "x"));
            List<byte[]> seeds = List.of(("PROCPOOL-LOGS 1 wrong-token-012345\n" + event + "\n").getBytes(StandardCharsets.UTF_8),
                    ("PROCPOOL-LOGS 1 \n" + event + "\n" + event + "\n").getBytes(StandardCharsets.UTF_8));
            fuzz("log server, before authentication (sockets)", 300, seeds, input -> {
                String answer = new String(exchange(address, input, null), StandardCharsets.UTF_8);
                return answer.startsWith("OK");
            });
            assertThat(received).as("events accepted without the token").isEmpty();
            // a client with the token is still served
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.getOutputStream().write(("PROCPOOL-LOGS 1 " + secret + "\n" + event + "\n").getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                org.awaitility.Awaitility.await().atMost(Deadlines.SHORT).until(() -> received.size() == 1);
            }
        }
    }
}
