package dev.procpool.agents;

/**
 * Receives what agents {@link Agent#print print}. The default writes each line to this JVM's
 * stdout as {@code [agent name] text}.
 *
 * <p>Called in the supervisor's JVM, on the thread that reads the printing agent's connection:
 * calls for one agent come in the order it printed; calls for different agents may come at the
 * same time from different threads. An exception thrown here is reported on stderr and ignored.
 *
 * <pre>{@code
 * Supervisor.builder().printHandler((name, id, text) -> System.out.println("CAUGHT " + text))
 * }</pre>
 */
@FunctionalInterface
public interface PrintHandler {
    /**
     * Handles one print.
     *
     * @param agentName the printing agent's name
     * @param agentId its id
     * @param text the printed parts joined by spaces
     */
    void print(String agentName, int agentId, String text);

    /** The default: {@code [agent name] text} on stdout. */
    static PrintHandler prefixed() {
        return (name, id, text) -> System.out.println("[" + name + "] " + text);
    }
}
