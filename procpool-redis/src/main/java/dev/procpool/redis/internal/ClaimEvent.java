package dev.procpool.redis.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * {@code procpool.RedisClaim}: a node took over a task another node held past the claim timeout
 * (that node died or stalled). Beside the core's {@code procpool.*} events (docs/observability.md).
 *
 * <pre>{@code
 * ClaimEvent.emit("node-2", "procpool", "1700000000000-0", 2);
 * }</pre>
 */
@Name("procpool.RedisClaim")
@Label("Redis Claim")
@Category("procpool")
@StackTrace(false)
public final class ClaimEvent extends Event {
    @Label("Node")
    public String node;
    @Label("Namespace")
    public String namespace;
    @Label("Entry Id")
    @Description("The task's entry in the Redis stream")
    public String entryId;
    @Label("Deliveries")
    @Description("How many times the task has been delivered, this one included")
    public int deliveries;

    /** Emits one when a recording wants it; free otherwise. */
    public static void emit(String node, String namespace, String entryId, int deliveries) {
        ClaimEvent e = new ClaimEvent();
        if (e.shouldCommit()) {
            e.node = node;
            e.namespace = namespace;
            e.entryId = entryId;
            e.deliveries = deliveries;
            e.commit();
        }
    }
}
