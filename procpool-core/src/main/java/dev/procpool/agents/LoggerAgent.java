package dev.procpool.agents;

/**
 * A resident agent that only reacts to the messages it listens to (multitools' Logger): write
 * them to a file, show progress, count them. It runs until it receives {@link ResidentTerm}, and
 * passes every other message to {@link #log}. {@link AgentSpec#of} makes it resident; subscribe
 * it with {@link AgentSpec#listenTo}.
 *
 * <pre>{@code
 * class MyLogger extends LoggerAgent {
 *     protected void log(Object message) {
 *         print(message);
 *     }
 * }
 * supervisor.add(AgentSpec.of("My logger", new MyLogger()).listenTo(MyMessage.class));
 * }</pre>
 */
public abstract class LoggerAgent extends Agent {
    private static final long serialVersionUID = 1L;

    private transient boolean running;

    /** For subclasses. */
    protected LoggerAgent() {
    }

    /** Handles one message; runs on the agent's thread, one message at a time. */
    protected abstract void log(Object message) throws Exception;

    @Override
    protected final void run() throws Exception {
        running = true;
        while (running) {
            receive();
        }
    }

    @Override
    protected final void handle(Object message) throws Exception {
        if (message instanceof ResidentTerm) {
            running = false;
        } else {
            log(message);
        }
    }
}
