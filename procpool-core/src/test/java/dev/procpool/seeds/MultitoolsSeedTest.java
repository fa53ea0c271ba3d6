package dev.procpool.seeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.TaggedResult;
import dev.procpool.WorkerGroup;
import dev.procpool.WorkerType;
import dev.procpool.agents.Agent;
import dev.procpool.agents.AgentFailedException;
import dev.procpool.agents.AgentSpec;
import dev.procpool.agents.LoggerAgent;
import dev.procpool.agents.NoListenerException;
import dev.procpool.agents.Recipient;
import dev.procpool.agents.ResidentTerm;
import dev.procpool.agents.Supervisor;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The multitools guide's examples written with procpool's {@code dev.procpool.agents}; shown in
 * docs/seeds.md. Where the guide prints, the agents print through a handler that records the
 * lines, and the test checks them.
 */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class MultitoolsSeedTest {
    /** Every line the agents printed (or the supervisor's handlers saw), in order per agent. */
    static final List<String> OUT = new CopyOnWriteArrayList<>();

    private static Supervisor.Builder recorded() {
        return Supervisor.builder().printHandler((name, id, text) -> OUT.add(text));
    }

    @org.junit.jupiter.api.BeforeEach
    void clear() {
        OUT.clear();
    }

    @Test
    void processList() throws Exception {
        // tag::processList[]
        // multitools.ProcessList: start several workers and join them together
        try (WorkerGroup<Integer> pl = new WorkerGroup<>()) {
            pl.start(WorkerType.PROCESS, () -> 1234 * 1234);
            pl.start(WorkerType.PROCESS, () -> 678 * 678);
            pl.awaitAll(Deadlines.LONG);
            for (TaggedResult<Integer> r : pl.drainResults()) {
                System.out.println("Result " + r.get());  // the value comes back; no shared Value needed
            }
            // end::processList[]
            assertThat(pl.workers()).allSatisfy(w -> assertThat(w.hasError()).isFalse());
        }
    }

    // tag::supervisor[]
    static class MyProcess extends Agent {
        private final int argOne;
        private final int argTwo;

        MyProcess(int argOne, int argTwo) {
            this.argOne = argOne;
            this.argTwo = argTwo;
        }

        @Override
        protected void run() {  // multitools' op()
            send(Recipient.SUPERVISOR, argOne * argTwo);  // the result, back to the supervisor
        }
    }
    // end::supervisor[]

    @Test
    void supervisor() throws Exception {
        List<Object> results = new CopyOnWriteArrayList<>();
        // tag::supervise[]
        Supervisor s = Supervisor.builder()
                .add("My process", new MyProcess(1234, 5678))  // the name is multitools' M_NAME
                .messageHandler((name, id, message) -> results.add(message))
                .build();
        s.supervise();  // starts the agent in its own JVM, returns when it has ended
        // end::supervise[]
        assertThat(results).containsExactly(1234 * 5678);
    }

    // tag::prnt[]
    static class Debugging extends Agent {
        private final int argOne;

        Debugging(int argOne) {
            this.argOne = argOne;
        }

        @Override
        protected void run() {
            print("DEBUG:", argOne);  // multitools' prnt(): printed by the supervisor
        }
    }
    // end::prnt[]

    @Test
    void prntAndPrntHandler() throws Exception {
        // tag::prntHandler[]
        // By default the supervisor prints "[My process] DEBUG: 1234"; a handler takes over:
        Supervisor s = Supervisor.builder()
                .add("My process", new Debugging(1234))
                .printHandler((name, id, text) -> OUT.add("CAUGHT " + text))  // myPrntHandler
                .build();
        s.supervise();
        // end::prntHandler[]
        assertThat(OUT).containsExactly("CAUGHT DEBUG: 1234");
    }

    // tag::send[]
    record MyResultsMessage(String text) implements Serializable {
    }

    static class Multiplier extends Agent {
        private final int argOne;
        private final int argTwo;

        Multiplier(int argOne, int argTwo) {
            this.argOne = argOne;
            this.argTwo = argTwo;
        }

        @Override
        protected void run() {
            send(Recipient.SUPERVISOR, new MyResultsMessage("DEBUG:" + argOne * argTwo));
        }
    }
    // end::send[]

    @Test
    void sendToTheSupervisorWithAnObjHandler() throws Exception {
        // tag::objHandler[]
        Supervisor.builder()
                .add("My process", new Multiplier(1234, 5678))
                .messageHandler((name, id, m) -> OUT.add(m.toString()))  // myObjHandler
                .build()
                .supervise();
        // end::objHandler[]
        assertThat(OUT).containsExactly("MyResultsMessage[text=DEBUG:7006652]");
    }

    // tag::getIds[]
    static class AgentOne extends Agent {
        @Override
        protected void run() throws Exception {
            print(nextMessage());  // blocks; nextMessage(timeout) throws TimeoutException instead
        }
    }

    static class AgentTwo extends Agent {
        @Override
        protected void run() {
            send(ids("Agent one"), "Agent two signing in");  // to every agent named "Agent one"
        }
    }
    // end::getIds[]

    @Test
    void agentOneAndAgentTwo() throws Exception {
        // tag::agents[]
        recorded()  // Supervisor.builder(), with a print handler that records the lines
                .add("Agent one", new AgentOne())
                .add("Agent two", new AgentTwo())
                .build()
                .supervise();
        // end::agents[]
        assertThat(OUT).containsExactly("Agent two signing in");
    }

    static class Broken extends Agent {
        @Override
        protected void run() {
            throw new IllegalStateException("fouled up");
        }
    }

    @Test
    void anExceptionStopsTheOthers() throws Exception {
        // tag::failure[]
        Supervisor s = recorded()
                .add("Agent one", new AgentOne())  // would wait forever for its message
                .add("Broken", new Broken())
                .build();
        try {
            s.supervise();
        } catch (AgentFailedException e) {  // the others were stopped; control is back here
            OUT.add(e.agentName() + ": " + e.getCause());  // the agent's exception and stack trace
        }
        // end::failure[]
        assertThat(OUT).containsExactly("Broken: java.lang.IllegalStateException: fouled up");
        assertThatThrownBy(s::supervise).isInstanceOf(IllegalStateException.class);
    }

    // tag::handleMessage[]
    static class FirstTen extends Agent {
        @Override
        protected void handle(Object m) {  // multitools' handle_message()
            print("Received", m);
        }

        @Override
        protected void run() throws Exception {
            for (int i = 0; i < 10; i++) {
                receive();  // takes the next message and calls handle(); receive(timeout) too
            }
        }
    }
    // end::handleMessage[]

    static class Counter extends Agent {
        @Override
        protected void run() {
            for (int i = 1; i <= 10; i++) {
                send(ids("My process"), i);
            }
        }
    }

    @Test
    void handleMessage() throws Exception {
        recorded().add("My process", new FirstTen()).add("Counter", new Counter()).build().supervise(Deadlines.LONG);
        assertThat(OUT).containsExactly("Received 1", "Received 2", "Received 3", "Received 4", "Received 5",
                "Received 6", "Received 7", "Received 8", "Received 9", "Received 10");
    }

    // tag::running[]
    record QuitMessage() implements Serializable {
    }

    static class Forwarder extends Agent {
        private boolean running;

        @Override
        protected void handle(Object m) {
            if (m instanceof String s) {
                send(ids("Process two"), s);  // the ids are known at once and cached
            } else if (m instanceof QuitMessage) {
                running = false;
            }
        }

        @Override
        protected void run() throws Exception {
            ids("Process two");  // never blocks: there is no request to get in early
            running = true;
            while (running) {
                receive();
            }
        }
    }
    // end::running[]

    static class ProcessTwo extends Agent {
        @Override
        protected void run() throws Exception {
            print("Process two got", nextMessage());
        }
    }

    static class Driver extends Agent {
        @Override
        protected void run() {
            send(ids("Forwarder"), "forward me");
            send(ids("Forwarder"), new QuitMessage());
        }
    }

    @Test
    void runningFlagAndCachedIds() throws Exception {
        recorded().add("Forwarder", new Forwarder()).add("Process two", new ProcessTwo()).add("Driver", new Driver())
                .build().supervise(Deadlines.LONG);
        assertThat(OUT).containsExactly("Process two got forward me");
    }

    // tag::resident[]
    static class Resident extends Agent {
        private boolean running;

        @Override
        protected void handle(Object m) {
            if (m instanceof ResidentTerm) {  // all non-resident agents have ended
                running = false;
            } else {
                print("resident got", m);
            }
        }

        @Override
        protected void run() throws Exception {
            running = true;
            while (running) {
                receive();
            }
        }
    }
    // end::resident[]

    static class Visitor extends Agent {
        @Override
        protected void run() {
            send(ids("My process"), "a visit");
        }
    }

    @Test
    void residentProcesses() throws Exception {
        // tag::residentSpec[]
        recorded()
                .add(AgentSpec.of("My process", new Resident()).resident())  // RESIDENT=True
                .add(AgentSpec.of("Visitor", new Visitor()))
                .build()
                .supervise();
        // end::residentSpec[]
        assertThat(OUT).containsExactly("resident got a visit");
    }

    record EmptyMessage() implements Serializable {
    }

    static class Announcer extends Agent {
        @Override
        protected void run() {
            // tag::broadcast[]
            send(ids("My Process"), new EmptyMessage());  // to the agents named "My Process"
            send(Recipient.BROADCAST, new EmptyMessage());  // to every other agent
            // end::broadcast[]
        }
    }

    static class Catcher extends Agent {
        @Override
        protected void run() throws Exception {
            print(name(), "got", nextMessage());
            if (name().equals("My Process")) {
                print(name(), "got", nextMessage());
            }
        }
    }

    @Test
    void broadcast() throws Exception {
        recorded().add("My Process", new Catcher()).add("Other", new Catcher()).add("Announcer", new Announcer())
                .build().supervise(Deadlines.LONG);
        assertThat(OUT).containsExactlyInAnyOrder("My Process got EmptyMessage[]", "My Process got EmptyMessage[]",
                "Other got EmptyMessage[]");
    }

    // tag::listeners[]
    record StringMessage(String text) implements Serializable, CharSequence {
        @Override
        public int length() {
            return text.length();
        }

        @Override
        public char charAt(int index) {
            return text.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }
    }

    static class Talker extends Agent {
        @Override
        protected void run() {
            send(Recipient.LISTENERS, new StringMessage("to whoever listens"));
            send(ids("Quiet"), new StringMessage("to Quiet; the listener snoops a copy"));
            try {
                send(Recipient.LISTENERS, 42);  // nobody listens to Integer
            } catch (NoListenerException e) {
                print("nobody listens:", e.getMessage());
            }
        }
    }
    // end::listeners[]

    static class Snoop extends Agent {
        @Override
        protected void run() throws Exception {
            print("snoop got", nextMessage());
            print("snoop got", nextMessage());
        }
    }

    static class Quiet extends Agent {
        @Override
        protected void run() throws Exception {
            nextMessage();
        }
    }

    @Test
    void listeners() throws Exception {
        // tag::listenTo[]
        recorded()
                .add(AgentSpec.of("My Process", new Snoop()).listenTo(CharSequence.class))  // LISTEN_TO, subtypes too
                .add(AgentSpec.of("Quiet", new Quiet()))
                .add(AgentSpec.of("Talker", new Talker()))
                .build()
                .supervise();
        // end::listenTo[]
        assertThat(OUT).containsExactlyInAnyOrder("snoop got StringMessage[text=to whoever listens]",
                "snoop got StringMessage[text=to Quiet; the listener snoops a copy]",
                "nobody listens: no agent listens to java.lang.Integer or a supertype of it");
    }

    record MyMessages(int done) implements Serializable {
    }

    // tag::logger[]
    static class MyLogger extends LoggerAgent {  // resident; run() and handle() are written for you
        @Override
        protected void log(Object m) {
            print(m);
        }
    }
    // end::logger[]

    static class Reporter extends Agent {
        @Override
        protected void run() {
            for (int i = 1; i <= 3; i++) {
                send(Recipient.LISTENERS, new MyMessages(i * 33));
            }
        }
    }

    @Test
    void loggers() throws Exception {
        // tag::loggerSpec[]
        recorded()
                .add(AgentSpec.of("My logger", new MyLogger()).listenTo(MyMessages.class).type(WorkerType.THREAD))
                .add(AgentSpec.of("Worker", new Reporter()))
                .build()
                .supervise();
        // end::loggerSpec[]
        assertThat(OUT).containsExactly("MyMessages[done=33]", "MyMessages[done=66]", "MyMessages[done=99]");
    }

}
