package dev.procpool.agents;

/**
 * The frames between an agent and its supervisor. They travel on a connection of their own (the
 * agent connects back to the supervisor's loopback port when it starts, proving itself with a
 * per-run secret), framed like the worker protocol by {@code FrameChannel}; the type numbers are
 * those allotted to agent messaging in {@code Frames}. The supervisor never decodes a message
 * between agents: it copies the bytes to each recipient's connection.
 *
 * <p>Why a connection of its own rather than the worker's channel: the agent's task thread is
 * busy running the agent, so its messages must not queue behind calls, and a thread agent gets the
 * same path as a process one.
 */
final class Wire {
    // agent -> supervisor
    /**
     * id: sender; payload: mode, the recipients that must get it (count, ids), those that get a
     * copy if alive (count, ids), then a batch of messages for them all: count, then each
     * message's length and encoding.
     */
    static final byte SEND = 6;
    /** id: sender; payload: UTF-8 text. */
    static final byte PRINT = 7;
    /** id: agent id; payload: incarnation (int), secret (string). The agent then waits for WELCOME. */
    static final byte HELLO = 8;

    // supervisor -> agent
    static final byte WELCOME = 25;
    /** id: sender; payload: a batch of messages from that sender, as in SEND. */
    static final byte MESSAGE = 26;
    /** id: the agent that ended for good. */
    static final byte ENDED = 27;
    /** Every non-resident agent has ended. */
    static final byte TERM = 28;
    /** id: the addressed agent, or -1 for LISTENERS; payload: UTF-8 reason. */
    static final byte UNDELIVERABLE = 29;

    /** SEND modes. */
    static final byte MODE_IDS = 0;
    static final byte MODE_LISTENERS = 1;
    static final byte MODE_BROADCAST = 2;

    static final int TO_SUPERVISOR = -1;

    private Wire() {
    }
}
