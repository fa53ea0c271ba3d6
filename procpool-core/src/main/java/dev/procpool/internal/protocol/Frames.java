package dev.procpool.internal.protocol;

/**
 * The frame types and limits of the controller-worker protocol. {@code docs/protocol.md} is the
 * specification; this class only names its constants.
 */
public final class Frames {
    /** Bumped on any incompatible change; a mismatch is refused at the handshake. */
    public static final int VERSION = 1;
    /** "PPW1": the first bytes of a worker's HELLO payload. */
    public static final int MAGIC = 0x50505731;
    /** Bytes before the payload: length (4), type (1), id (8). */
    public static final int HEADER = 13;
    /** Largest frame accepted; a larger length is treated as garbage on the channel. */
    public static final int MAX_FRAME = 512 << 20;

    // Type numbers are allotted in blocks so that capabilities can add frames without clashing:
    // worker -> controller 1..15 (core 1-5, agent messaging 6-9, log events 10-12, worker state 13),
    // controller -> worker 16..47 (core 16-24, agent messaging 25-29, remote 30-39, remote
    // contexts 44-46, worker state 47).

    // worker -> controller
    public static final byte HELLO = 1;
    public static final byte RESULT = 2;
    public static final byte ERROR = 3;
    public static final byte PONG = 4;
    public static final byte BYE = 5;
    /** A batch of SLF4J events logged in the worker; id = their number (see {@link LogFrames}). */
    public static final byte LOG = 10;
    /** The worker's state after the call numbered by the id ended; precedes its response. */
    public static final byte STATE = 13;
    // controller -> worker
    public static final byte WELCOME = 16;
    public static final byte REFUSE = 17;
    public static final byte BIND = 18;
    public static final byte CALL = 19;
    public static final byte CANCEL = 20;
    public static final byte PING = 21;
    public static final byte END_INPUT = 22;
    public static final byte STOP = 23;
    /** Withdraw a call that has not started; unlike CANCEL it never interrupts a running one. */
    public static final byte RECALL = 24;

    // remote block (30-39): the controller <-> worker-server link only (docs/protocol.md, "Remote")
    /** server -> controller: magic, version and a nonce to prove the shared token against. */
    public static final byte R_CHALLENGE = 30;
    /** controller -> server: the controller's nonce and its HMAC of the server's nonce. */
    public static final byte R_AUTH = 31;
    /** server -> controller: its HMAC of the controller's nonce, and its host name. */
    public static final byte R_ACCEPT = 32;
    /** controller -> server: start a worker process (its name, codec and JVM settings). */
    public static final byte R_OPEN = 33;
    /** server -> controller: the worker process connected; its pid and task thread id. */
    public static final byte R_STARTED = 34;
    /** controller -> server: send the signal numbered by the frame's id (15 or 9) to the worker. */
    public static final byte R_SIGNAL = 35;
    /** server -> controller: the worker process ended; exit code, problem, stderr tail. */
    public static final byte R_EXITED = 36;
    /** worker -> controller, relayed: the bytes of the class named in the payload, please. */
    public static final byte CLASS_REQUEST = 37;
    /** controller -> worker, relayed: the class bytes for a CLASS_REQUEST (empty: not found). */
    public static final byte CLASS_BYTES = 38;
    /** server -> controller: one line of the worker's stdout (id 1) or stderr (id 2). */
    public static final byte R_OUTPUT = 39;
    /** controller -> server, instead of R_OPEN: open a remote context (its name). */
    public static final byte R_CONTEXT_OPEN = 44;
    /** server -> controller: the context is open; its id and name. */
    public static final byte R_CONTEXT = 45;
    /** controller -> server: end the context; server -> controller: ended (id = workers terminated). */
    public static final byte R_CONTEXT_END = 46;

    /** controller -> worker: the worker's initial state, before BIND or the first CALL. */
    public static final byte INIT_STATE = 47;

    // ERROR payload kinds
    /** The task or function threw. */
    public static final byte ERR_THREW = 0;
    /** The result could not be encoded. */
    public static final byte ERR_RESULT_NOT_SERIALIZABLE = 1;
    /** The call was cancelled before it ran. */
    public static final byte ERR_CANCELLED = 2;
    /** The call's input could not be decoded in the worker. */
    public static final byte ERR_BAD_INPUT = 3;

    private Frames() {
    }

    /** Whether {@code type} is a frame a worker may send. */
    public static boolean fromWorker(byte type) {
        return type >= HELLO && type <= 15;
    }

    /** Whether {@code type} is a frame a controller may send. */
    public static boolean fromController(byte type) {
        return type >= WELCOME && type <= 47;
    }
}
