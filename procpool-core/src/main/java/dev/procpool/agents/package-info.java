/**
 * Agents: named workers, each in its own thread or JVM, that send each other typed messages through
 * a {@link dev.procpool.agents.Supervisor}, which routes them, stops the others when one fails (or
 * restarts it alone) and reports the failure with the agent's name and stack trace.
 *
 * <pre>{@code
 * class Greeter extends Agent {
 *     protected void run() throws Exception {
 *         print("got", nextMessage());                       // printed as "[Greeter] got hello"
 *     }
 * }
 * class Sender extends Agent {
 *     protected void run() {
 *         send(ids("Greeter"), "hello");
 *     }
 * }
 * Supervisor.builder().add("Greeter", new Greeter()).add("Sender", new Sender()).build().supervise();
 * }</pre>
 */
package dev.procpool.agents;
