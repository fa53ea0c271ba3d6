package dev.procpool.agents;

import java.io.Serializable;

/**
 * The message every resident agent receives once all non-resident agents have ended: time to
 * finish. Its {@link Agent#sender()} is {@link Agent#SUPERVISOR_ID}.
 *
 * <pre>{@code
 * protected void handle(Object m) {
 *     if (m instanceof ResidentTerm) {
 *         running = false;
 *     }
 * }
 * }</pre>
 */
public record ResidentTerm() implements Serializable {
}
