package dev.procpool.agents;

import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import java.util.List;
import java.util.Objects;

/**
 * How the supervisor runs one agent: its name (several agents may share one), the agent object,
 * whether it is resident, which message types it listens to, and the worker it runs in. An
 * immutable value; each {@code with}-method returns a new one.
 *
 * <p>Defaults: not resident, listens to nothing, {@link WorkerType#PROCESS} with
 * {@link WorkerOptions#defaults()} (the worker is named {@code agent-<name>}, visible in
 * {@code ps}, unless the options name it).
 *
 * <pre>{@code
 * AgentSpec logger = AgentSpec.of("My logger", new MyLogger())
 *         .resident()
 *         .listenTo(Progress.class)
 *         .type(WorkerType.THREAD);
 * }</pre>
 */
public final class AgentSpec {
    private final String name;
    private final Agent agent;
    private final boolean resident;
    private final List<Class<?>> listenTo;
    private final WorkerType type;
    private final WorkerOptions options;

    private AgentSpec(String name, Agent agent, boolean resident, List<Class<?>> listenTo, WorkerType type,
            WorkerOptions options) {
        this.name = name;
        this.agent = agent;
        this.resident = resident;
        this.listenTo = listenTo;
        this.type = type;
        this.options = options;
    }

    /**
     * An agent with defaults. A {@link LoggerAgent} starts resident.
     *
     * @throws IllegalArgumentException if the name is blank or has control characters
     */
    public static AgentSpec of(String name, Agent agent) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(agent, "agent");
        if (name.isBlank() || name.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("agent name must be non-blank printable text: '" + name + "'");
        }
        return new AgentSpec(name, agent, agent instanceof LoggerAgent, List.of(), WorkerType.PROCESS,
                WorkerOptions.defaults());
    }

    /** Marks it resident: it gets {@link ResidentTerm} once every non-resident agent has ended. */
    public AgentSpec resident() {
        return new AgentSpec(name, agent, true, listenTo, type, options);
    }

    /** Subscribes it to messages of these classes and their subclasses, whoever they are sent to. */
    public AgentSpec listenTo(Class<?>... types) {
        for (Class<?> t : types) {
            Objects.requireNonNull(t, "listened type");
        }
        return new AgentSpec(name, agent, resident, List.of(types), type, options);
    }

    /**
     * The kind of worker it runs in. {@link WorkerType#THREAD} and {@link WorkerType#PROCESS} are
     * supported; the agent's code is the same for both.
     */
    public AgentSpec type(WorkerType type) {
        Objects.requireNonNull(type, "type");
        if (type == WorkerType.REMOTE) {
            throw new UnsupportedOperationException("REMOTE agents are not available in this version");
        }
        return new AgentSpec(name, agent, resident, listenTo, type, options);
    }

    /** The options of its worker (heap, JVM arguments, output handler, ...). */
    public AgentSpec options(WorkerOptions options) {
        return new AgentSpec(name, agent, resident, listenTo, type, Objects.requireNonNull(options, "options"));
    }

    public String name() {
        return name;
    }

    public Agent agent() {
        return agent;
    }

    public boolean isResident() {
        return resident;
    }

    public List<Class<?>> listenTo() {
        return listenTo;
    }

    public WorkerType type() {
        return type;
    }

    public WorkerOptions options() {
        return options;
    }

    @Override
    public String toString() {
        return "AgentSpec[" + name + ", " + agent.getClass().getName() + (resident ? ", resident" : "")
                + (listenTo.isEmpty() ? "" : ", listens to " + listenTo) + ", " + type + "]";
    }
}
