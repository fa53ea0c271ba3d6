package dev.procpool.agents;

import dev.procpool.JdkCodec;
import dev.procpool.Task;
import java.io.ByteArrayInputStream;

/**
 * What runs in an agent's worker: connects back to the supervisor, decodes a fresh copy of the
 * agent and runs it. The agent travels as bytes serialized once by the supervisor, so that each
 * incarnation (thread or process, first run or restart) starts from the same state.
 */
final class AgentTask implements Task<Void> {
    private static final long serialVersionUID = 1L;

    private final byte[] agentBytes;
    private final int id;
    private final int incarnation;
    private final Directory directory;
    private final int port;
    private final String secret;
    private final int mailboxCapacity;

    AgentTask(byte[] agentBytes, int id, int incarnation, Directory directory, int port, String secret,
            int mailboxCapacity) {
        this.agentBytes = agentBytes;
        this.id = id;
        this.incarnation = incarnation;
        this.directory = directory;
        this.port = port;
        this.secret = secret;
        this.mailboxCapacity = mailboxCapacity;
    }

    @Override
    public Void call() throws Exception {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = AgentTask.class.getClassLoader();
        }
        Agent agent = (Agent) new JdkCodec().decode(new ByteArrayInputStream(agentBytes), loader);
        AgentLink link = AgentLink.connect(id, incarnation, directory, port, secret, mailboxCapacity, loader);
        try {
            agent.bind(link);
            agent.run();
        } finally {
            link.close();
        }
        return null;
    }
}
