package dev.procpool.agents;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Where an agent sends a message: the ids of one or more agents, every other agent
 * ({@link #BROADCAST}), every agent subscribed to the message's type or a supertype
 * ({@link #LISTENERS}), or the supervisor itself ({@link #SUPERVISOR}, handled by the
 * supervisor's {@link MessageHandler}).
 *
 * <pre>{@code
 * send(ids("Agent one"), "Agent two signing in");   // every agent named "Agent one"
 * send(Recipient.BROADCAST, new Shutdown());
 * send(Recipient.LISTENERS, new Progress(40));      // NoListenerException if nobody listens
 * send(Recipient.id(sender()), "pong");             // reply to the last message's sender
 * }</pre>
 */
public final class Recipient implements Serializable {
    private static final long serialVersionUID = 1L;

    enum Kind { IDS, BROADCAST, LISTENERS, SUPERVISOR }

    /** Every agent but the sender. An agent that has ended is skipped silently. */
    public static final Recipient BROADCAST = new Recipient(Kind.BROADCAST, new int[0]);
    /**
     * Every agent (but the sender) subscribed to the message's class or one of its supertypes;
     * a send that reaches nobody throws {@link NoListenerException}.
     */
    public static final Recipient LISTENERS = new Recipient(Kind.LISTENERS, new int[0]);
    /** The supervisor: the message goes to its {@link MessageHandler}. */
    public static final Recipient SUPERVISOR = new Recipient(Kind.SUPERVISOR, new int[0]);

    final Kind kind;
    private final int[] ids;

    private Recipient(Kind kind, int[] ids) {
        this.kind = kind;
        this.ids = ids;
    }

    /** The agents with these ids. */
    public static Recipient ids(int... ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("no agent ids given");
        }
        for (int id : ids) {
            if (id < 0) {
                throw new IllegalArgumentException("not an agent id: " + id);
            }
        }
        return new Recipient(Kind.IDS, ids.clone());
    }

    /** The agent with this id. */
    public static Recipient id(int id) {
        return ids(id);
    }

    /** The agent ids addressed; empty for {@link #BROADCAST}, {@link #LISTENERS} and {@link #SUPERVISOR}. */
    public int[] idArray() {
        return ids.clone();
    }

    int[] idsUnsafe() {
        return ids;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Recipient r && r.kind == kind && Arrays.equals(r.ids, ids);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return kind == Kind.IDS ? "ids" + Arrays.toString(ids) : kind.name();
    }

    private Object readResolve() {
        return switch (kind) {
            case BROADCAST -> BROADCAST;
            case LISTENERS -> LISTENERS;
            case SUPERVISOR -> SUPERVISOR;
            case IDS -> this;
        };
    }
}
