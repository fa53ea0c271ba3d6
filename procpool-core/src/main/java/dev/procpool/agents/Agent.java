package dev.procpool.agents;

import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The code of one agent: a named, long-running piece of work that a {@link Supervisor} runs in
 * its own worker (a child JVM by default, or a thread) and that exchanges messages with the other
 * agents. Subclass it, implement {@link #run()}, and use the protected methods to talk:
 * {@link #send}, {@link #nextMessage()}, {@link #receive()} with {@link #handle}, {@link #ids},
 * {@link #print}.
 *
 * <pre>{@code
 * class Counter extends Agent {
 *     private boolean running = true;
 *     private int seen;
 *
 *     protected void run() throws Exception {
 *         ids("Writer");                  // known at once: the directory comes with the agent
 *         while (running) {
 *             receive();                  // takes the next message and calls handle(...)
 *         }
 *     }
 *
 *     protected void handle(Object message) {
 *         if (message instanceof ResidentTerm) {
 *             running = false;
 *         } else {
 *             seen++;
 *             send(ids("Writer"), "seen " + seen);
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>The agent object is serialized when the supervisor starts, and each run (and each restart
 * under {@link RestartStrategy#restartOne}) works on a fresh copy in its worker: fields set in the
 * worker are not seen by the supervisor. Messages are any {@link Serializable} values (records are
 * a good fit); they are serialized once per send, whatever the number of recipients.
 *
 * <p>Threading: the protected methods are meant for the agent's own thread, the one that runs
 * {@link #run()}; they are not thread-safe. Ending {@code run()} (returning or throwing) ends the
 * agent; messages it sent before are delivered first.
 */
public abstract class Agent implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The sender id of messages from the supervisor itself, such as {@link ResidentTerm}. */
    public static final int SUPERVISOR_ID = -1;

    private transient AgentLink link;

    /** For subclasses. */
    protected Agent() {
    }

    /**
     * The agent's work; runs in its worker. The agent ends when this returns; an exception is
     * the agent's failure, reported by {@link Supervisor#supervise()} with its worker-side stack
     * trace. An interrupt means the supervisor is stopping the agent.
     */
    protected abstract void run() throws Exception;

    /**
     * Handles a message taken by {@link #receive()}. The default throws
     * {@link UnsupportedOperationException}: override it to use {@code receive()}.
     */
    protected void handle(Object message) throws Exception {
        throw new UnsupportedOperationException(getClass().getName() + " received a " + message.getClass().getName()
                + " through receive() but does not override handle(Object)");
    }

    /** Waits for the next message and passes it to {@link #handle}. */
    protected final void receive() throws Exception {
        handle(nextMessage());
    }

    /**
     * Waits at most {@code timeout} for the next message and passes it to {@link #handle}.
     *
     * @throws TimeoutException if none came in time
     */
    protected final void receive(Duration timeout) throws Exception {
        handle(nextMessage(timeout));
    }

    /**
     * Waits for the next message and returns it; {@link #sender()} then tells who sent it.
     *
     * @throws UndeliverableException if a message this agent sent earlier could not be delivered
     */
    protected final Object nextMessage() throws InterruptedException {
        return link().next(-1);
    }

    /**
     * Waits at most {@code timeout} for the next message and returns it.
     *
     * @throws TimeoutException if none came in time ({@link Duration#ZERO} polls)
     * @throws UndeliverableException if a message this agent sent earlier could not be delivered
     */
    protected final Object nextMessage(Duration timeout) throws InterruptedException, TimeoutException {
        Object m = link().next(Math.max(0, timeout.toNanos()));
        if (m == null) {
            throw new TimeoutException("no message within " + timeout);
        }
        return m;
    }

    /** The id of the agent that sent the message last taken, or {@link #SUPERVISOR_ID}. */
    protected final int sender() {
        return link().lastSender;
    }

    /**
     * Sends a message. Returns as soon as the message is queued for the supervisor, which routes
     * it; a burst of sends leaves in few writes, a lone one at once. Listeners of the message's type
     * get a copy too, whoever it is addressed to. A send waits when the recipients' mailboxes are
     * full (see {@link SupervisorOptions#mailboxCapacity()}).
     *
     * @throws UndeliverableException if every addressed agent has ended (or one sent earlier could
     *     not be delivered)
     * @throws NoListenerException if sent to {@link Recipient#LISTENERS} and nobody listens
     * @throws IllegalArgumentException if the message cannot be serialized (its class is named)
     */
    protected final void send(Recipient to, Object message) {
        link().send(to, message);
    }

    /**
     * The ids of the agents with this name, as a recipient. Never blocks: every agent gets the
     * supervisor's directory when it starts, and the answer is cached.
     *
     * @throws NoSuchAgentException if no agent has this name
     */
    protected final Recipient ids(String name) {
        return link().ids(name);
    }

    /** This agent's id: its index in the order the agents were added to the supervisor. */
    protected final int id() {
        return link().id;
    }

    /** This agent's name. */
    protected final String name() {
        return link().name;
    }

    /**
     * Prints the parts, joined by spaces, through the supervisor's {@link PrintHandler} (by
     * default {@code [agent name] text} on the supervisor's stdout).
     */
    protected final void print(Object... parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(parts[i]);
        }
        link().print(sb.toString());
    }

    void bind(AgentLink link) {
        this.link = link;
    }

    private AgentLink link() {
        AgentLink l = link;
        if (l == null) {
            throw new IllegalStateException("this agent is not running under a Supervisor");
        }
        return l;
    }
}
