package dev.procpool.agents;

/**
 * Receives the messages agents send to {@link Recipient#SUPERVISOR} (multitools' obj-handler).
 * Without one, the supervisor prints such messages with its {@link PrintHandler}.
 *
 * <p>Threading as for {@link PrintHandler}: the reading thread of the sending agent's connection;
 * in order per agent, possibly concurrent across agents. An exception thrown here is reported on
 * stderr and ignored.
 *
 * <pre>{@code
 * List<Object> results = new CopyOnWriteArrayList<>();
 * Supervisor.builder().messageHandler((name, id, message) -> results.add(message))
 * }</pre>
 */
@FunctionalInterface
public interface MessageHandler {
    /**
     * Handles one message.
     *
     * @param agentName the sending agent's name
     * @param agentId its id
     * @param message the message, decoded in the supervisor's JVM
     */
    void onMessage(String agentName, int agentId, Object message);
}
