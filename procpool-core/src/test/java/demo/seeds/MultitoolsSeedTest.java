package demo.seeds;

// tag::imports[]
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
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
// end::imports[]
import dev.procpool.testing.LeakCheck;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The multitools guide's examples written with procpool's {@code dev.procpool.agents}. Where the
 * guide prints, the agents print through a handler that records the lines, and the test checks
 * them. Each tagged region is shown verbatim in {@code docs/seeds.md} (checked by
 * {@link SeedDocSyncTest}).
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class MultitoolsSeedTest {
    // tag::conventions[]
    /** The longest an example waits for anything: an upper bound, never a sleep (your code picks its own). */
    static final Duration LONG = Duration.ofMinutes(1);

    /** What the agents printed, in order (JUnit makes a fresh list for each test). */
    final List<String> printed = new CopyOnWriteArrayList<>();

    /** Supervisor.builder(), with a print handler that records each printed line in {@code printed}. */
    Supervisor.Builder recorded() {
        return Supervisor.builder().printHandler((name, id, text) -> printed.add(text));
    }
    // end::conventions[]

    // tag::processList[]
    @Test
    void processList() throws Exception {
        // multitools.ProcessList: start several workers and join them together
        try (WorkerGroup<Integer> pl = new WorkerGroup<>()) {
            pl.start(WorkerType.PROCESS, () -> 1234 * 1234);
            pl.start(WorkerType.PROCESS, () -> 678 * 678);
            assertThat(pl.awaitAll(LONG)).isTrue();
            for (TaggedResult<Integer> r : pl.drainResults()) {
                System.out.println("Result " + r.get());  // the value comes back; no shared Value needed
            }
            assertThat(pl.workers()).allSatisfy(w -> assertThat(w.hasError()).isFalse());
        }
    }
    // end::processList[]

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

    // tag::supervise[]
    @Test
    void supervisor() throws Exception {
        List<Object> results = new CopyOnWriteArrayList<>();
        Supervisor s = Supervisor.builder()
                .add("My process", new MyProcess(1234, 5678))  // the name is multitools' M_NAME
                .messageHandler((name, id, message) -> results.add(message))
                .build();
        s.supervise();  // starts the agent in its own JVM, returns when it has ended
        assertThat(results).containsExactly(1234 * 5678);
    }
    // end::supervise[]

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

    // tag::prntHandler[]
    @Test
    void prntAndPrntHandler() throws Exception {
        // By default the supervisor prints "[My process] DEBUG: 1234"; a handler takes over:
        Supervisor s = Supervisor.builder()
                .add("My process", new Debugging(1234))
                .printHandler((name, id, text) -> printed.add("CAUGHT " + text))  // myPrntHandler
                .build();
        s.supervise();
        assertThat(printed).containsExactly("CAUGHT DEBUG: 1234");
    }
    // end::prntHandler[]

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

    // tag::objHandler[]
    @Test
    void sendToTheSupervisorWithAnObjHandler() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        Supervisor.builder()
                .add("My process", new Multiplier(1234, 5678))
                .messageHandler((name, id, m) -> handled.add(m.toString()))  // myObjHandler
                .build()
                .supervise();
        assertThat(handled).containsExactly("MyResultsMessage[text=DEBUG:7006652]");
    }
    // end::objHandler[]

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

    // tag::agents[]
    @Test
    void agentOneAndAgentTwo() throws Exception {
        recorded()
                .add("Agent one", new AgentOne())
                .add("Agent two", new AgentTwo())
                .build()
                .supervise();
        assertThat(printed).containsExactly("Agent two signing in");
    }
    // end::agents[]

    // tag::failure[]
    static class Broken extends Agent {
        @Override
        protected void run() {
            throw new IllegalStateException("fouled up");
        }
    }

    @Test
    void anExceptionStopsTheOthers() throws Exception {
        Supervisor s = recorded()
                .add("Agent one", new AgentOne())  // would wait forever for its message
                .add("Broken", new Broken())
                .build();
        try {
            s.supervise();
        } catch (AgentFailedException e) {  // the others were stopped; control is back here
            printed.add(e.agentName() + ": " + e.getCause());  // the agent's exception and stack trace
        }
        assertThat(printed).containsExactly("Broken: java.lang.IllegalStateException: fouled up");
        assertThatThrownBy(s::supervise).isInstanceOf(IllegalStateException.class);  // a supervisor runs once
    }
    // end::failure[]

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
        recorded().add("My process", new FirstTen()).add("Counter", new Counter()).build().supervise(LONG);
        assertThat(printed).containsExactly("Received 1", "Received 2", "Received 3", "Received 4", "Received 5",
                "Received 6", "Received 7", "Received 8", "Received 9", "Received 10");
    }
    // end::handleMessage[]

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
                .build().supervise(LONG);
        assertThat(printed).containsExactly("Process two got forward me");
    }
    // end::running[]

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

    static class Visitor extends Agent {
        @Override
        protected void run() {
            send(ids("My process"), "a visit");
        }
    }
    // end::resident[]

    // tag::residentSpec[]
    @Test
    void residentProcesses() throws Exception {
        recorded()
                .add(AgentSpec.of("My process", new Resident()).resident())  // RESIDENT=True
                .add(AgentSpec.of("Visitor", new Visitor()))
                .build()
                .supervise();
        assertThat(printed).containsExactly("resident got a visit");
    }
    // end::residentSpec[]

    // tag::broadcast[]
    record EmptyMessage() implements Serializable {
    }

    static class Announcer extends Agent {
        @Override
        protected void run() {
            send(ids("My Process"), new EmptyMessage());  // to the agents named "My Process"
            send(Recipient.BROADCAST, new EmptyMessage());  // to every other agent
        }
    }

    static class Catcher extends Agent {
        @Override
        protected void run() throws Exception {
            print(name(), "got", nextMessage());
            if (name().equals("My Process")) {
                print(name(), "got", nextMessage());  // the direct message and the broadcast
            }
        }
    }

    @Test
    void broadcast() throws Exception {
        recorded().add("My Process", new Catcher()).add("Other", new Catcher()).add("Announcer", new Announcer())
                .build().supervise(LONG);
        assertThat(printed).containsExactlyInAnyOrder("My Process got EmptyMessage[]", "My Process got EmptyMessage[]",
                "Other got EmptyMessage[]");
    }
    // end::broadcast[]

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
    // end::listeners[]

    // tag::listenTo[]
    @Test
    void listeners() throws Exception {
        recorded()
                .add(AgentSpec.of("My Process", new Snoop()).listenTo(CharSequence.class))  // LISTEN_TO, subtypes too
                .add(AgentSpec.of("Quiet", new Quiet()))
                .add(AgentSpec.of("Talker", new Talker()))
                .build()
                .supervise();
        assertThat(printed).containsExactlyInAnyOrder("snoop got StringMessage[text=to whoever listens]",
                "snoop got StringMessage[text=to Quiet; the listener snoops a copy]",
                "nobody listens: no agent listens to java.lang.Integer or a supertype of it");
    }
    // end::listenTo[]

    // tag::logger[]
    record MyMessages(int done) implements Serializable {
    }

    static class MyLogger extends LoggerAgent {  // resident; run() and handle() are written for you
        @Override
        protected void log(Object m) {
            print(m);
        }
    }

    static class Reporter extends Agent {
        @Override
        protected void run() {
            for (int i = 1; i <= 3; i++) {
                send(Recipient.LISTENERS, new MyMessages(i * 33));
            }
        }
    }
    // end::logger[]

    // tag::loggerSpec[]
    @Test
    void loggers() throws Exception {
        recorded()
                .add(AgentSpec.of("My logger", new MyLogger()).listenTo(MyMessages.class).type(WorkerType.THREAD))
                .add(AgentSpec.of("Worker", new Reporter()))
                .build()
                .supervise();
        assertThat(printed).containsExactly("MyMessages[done=33]", "MyMessages[done=66]", "MyMessages[done=99]");
    }
    // end::loggerSpec[]

    /** multitools' get_message(timeout) and receive(timeout) raise Queue.Empty; here a TimeoutException. */
    static class Impatient extends Agent {
        @Override
        protected void handle(Object m) {
            print("unexpected", m);
        }

        @Override
        protected void run() throws Exception {
            try {
                nextMessage(Duration.ofMillis(100));
            } catch (TimeoutException e) {
                print("nextMessage: nothing came");
            }
            try {
                receive(Duration.ZERO);
            } catch (TimeoutException e) {
                print("receive: nothing came");
            }
        }
    }

    @Test
    void waitingForAMessageWithATimeoutEndsWhenNothingComes() throws Exception {
        recorded().add("Impatient", new Impatient()).build().supervise(LONG);
        assertThat(printed).containsExactly("nextMessage: nothing came", "receive: nothing came");
    }
}
