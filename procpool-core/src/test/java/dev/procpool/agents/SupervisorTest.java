package dev.procpool.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerType;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The supervisor and its agents, with real worker processes (and threads where the kind is a parameter). */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class SupervisorTest {
    @TempDir
    Path dir;

    /** Prints of every agent, as "name: text". */
    private final List<String> printed = new CopyOnWriteArrayList<>();
    /** Messages sent to the supervisor, as "name: message". */
    private final List<Object> toSupervisor = new CopyOnWriteArrayList<>();

    private Supervisor.Builder supervisor() {
        return Supervisor.builder()
                .printHandler((name, id, text) -> printed.add(name + ": " + text))
                .messageHandler((name, id, m) -> toSupervisor.add(m))
                .options(SupervisorOptions.builder().grace(Deadlines.GRACE).build());
    }

    static final class Receiver extends Agent {
        @Override
        protected void run() throws Exception {
            print("got", nextMessage(), "from", sender());
        }
    }

    static final class Greeter extends Agent {
        @Override
        protected void run() {
            send(ids("receiver"), "hello from " + id());
        }
    }

    @ParameterizedTest
    @EnumSource(value = WorkerType.class, names = {"THREAD", "PROCESS"})
    void aMessageSentByNameReachesTheAgentOfThatName(WorkerType type) throws Exception {
        supervisor().add(AgentSpec.of("receiver", new Receiver()).type(type),
                        AgentSpec.of("greeter", new Greeter()).type(type))
                .build().supervise(Deadlines.LONG);
        assertThat(printed).containsExactly("receiver: got hello from 1 from 1");
    }

    record Progress(int percent) implements java.io.Serializable {
    }

    record Loud(int percent, String why) implements java.io.Serializable {
    }

    /** Listens to Object (every message); ends on ResidentTerm, reporting what it saw. */
    static final class Snoop extends Agent {
        @Override
        protected void run() throws Exception {
            List<String> seen = new java.util.ArrayList<>();
            while (true) {
                Object m = nextMessage();
                if (m instanceof ResidentTerm) {
                    break;
                }
                seen.add(m + " from " + sender());
            }
            send(Recipient.SUPERVISOR, "snoop saw " + seen);
        }
    }

    static final class Broadcaster extends Agent {
        @Override
        protected void run() {
            send(Recipient.BROADCAST, "to all");
        }
    }

    static final class Reporter extends Agent {
        @Override
        protected void run() {
            send(Recipient.LISTENERS, new Progress(50));
            try {
                send(Recipient.LISTENERS, "nobody listens to strings");
                send(Recipient.SUPERVISOR, "no exception");
            } catch (NoListenerException e) {
                send(Recipient.SUPERVISOR, "sender saw " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    static final class ProgressLogger extends LoggerAgent {
        @Override
        protected void log(Object message) {
            print("logged", message);
        }
    }

    @Test
    void broadcastReachesEveryOtherAgentButNotTheSender() throws Exception {
        supervisor().add(AgentSpec.of("r", new Receiver()), AgentSpec.of("r", new Receiver()).type(WorkerType.THREAD),
                        AgentSpec.of("b", new Broadcaster()))
                .build().supervise(Deadlines.LONG);
        assertThat(printed).containsExactlyInAnyOrder("r: got to all from 2", "r: got to all from 2");
    }

    @Test
    void listenersGetMessagesOfTheirTypeOrASubtypeAndASendToNobodyIsAnErrorTheSenderSees() throws Exception {
        supervisor().add(AgentSpec.of("logger", new ProgressLogger()).listenTo(Record.class),
                        AgentSpec.of("reporter", new Reporter()))
                .build().supervise(Deadlines.LONG);
        assertThat(printed).containsExactly("logger: logged Progress[percent=50]");
        assertThat(toSupervisor).containsExactly("sender saw NoListenerException: no agent listens to "
                + "java.lang.String or a supertype of it");
    }

    @Test
    void aListenerSnoopsOnMessagesAddressedToOthersAndResidentsGetResidentTermLast() throws Exception {
        supervisor().add(AgentSpec.of("snoop", new Snoop()).resident().listenTo(CharSequence.class),
                        AgentSpec.of("receiver", new Receiver()),
                        AgentSpec.of("greeter", new Greeter()).type(WorkerType.THREAD))
                .build().supervise(Deadlines.LONG);
        assertThat(printed).containsExactly("receiver: got hello from 2 from 2");
        assertThat(toSupervisor).containsExactly("snoop saw [hello from 2 from 2]");
    }

    static final class Crasher extends Agent {
        @Override
        protected void run() throws Exception {
            nextMessage(); // the waiter's pid: it is running
            explode();
        }

        private void explode() {
            throw new IllegalStateException("boom in the agent");
        }
    }

    /** Tells the supervisor and the others its pid, then waits forever. */
    static final class Waiter extends Agent {
        @Override
        protected void run() throws Exception {
            send(Recipient.SUPERVISOR, ProcessHandle.current().pid());
            send(Recipient.BROADCAST, ProcessHandle.current().pid());
            while (true) {
                nextMessage();
            }
        }
    }

    @Test
    void aCrashingAgentStopsTheOthersAndIsReportedWithItsNameExceptionAndWorkerSideStack() throws Exception {
        Supervisor s = supervisor().add(AgentSpec.of("waiter", new Waiter()), AgentSpec.of("crasher", new Crasher()))
                .build();
        assertThatThrownBy(() -> s.supervise(Deadlines.LONG))
                .isInstanceOfSatisfying(AgentFailedException.class, e -> {
                    assertThat(e.agentName()).isEqualTo("crasher");
                    assertThat(e.agentId()).isEqualTo(1);
                    assertThat(e.getMessage()).contains("'crasher'", "boom in the agent");
                    assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("boom in the agent");
                    assertThat(e.getCause().getStackTrace()[0].getMethodName()).isEqualTo("explode");
                });
        long waiterPid = (Long) toSupervisor.get(0);
        assertThat(LeakCheck.isRunning(waiterPid)).as("the other agent's process is stopped").isFalse();
    }

    @RepeatedTest(3)
    void anAgentKilledWithSigkillIsReportedEveryTime() throws Exception {
        Supervisor s = supervisor().add(AgentSpec.of("victim", new Waiter()), AgentSpec.of("other", new Receiver()))
                .build();
        Thread killer = new Thread(() -> {
            org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> !toSupervisor.isEmpty());
            ProcessHandle.of((Long) toSupervisor.get(0)).ifPresent(ProcessHandle::destroyForcibly);
        });
        killer.start();
        try {
            assertThatThrownBy(() -> s.supervise(Deadlines.LONG))
                    .isInstanceOfSatisfying(AgentFailedException.class, e -> {
                        assertThat(e.agentName()).isEqualTo("victim");
                        assertThat(e.getCause()).isInstanceOf(WorkerDiedException.class);
                        assertThat(((WorkerDiedException) e.getCause()).signal()).contains("SIGKILL");
                        assertThat(e.getMessage()).contains("SIGKILL");
                    });
        } finally {
            killer.join();
        }
    }

    /** Waits for "bye" from the leaver, then sends to it until told it has ended. */
    static final class Persistent extends Agent {
        @Override
        protected void run() throws Exception {
            nextMessage();
            for (int i = 0; i < 10_000_000; i++) {
                try {
                    send(ids("leaver"), "are you there?");
                } catch (UndeliverableException e) {
                    send(Recipient.SUPERVISOR, e.getMessage());
                    return;
                }
            }
        }
    }

    static final class Leaver extends Agent {
        @Override
        protected void run() {
            send(ids("persistent"), "bye");
        }
    }

    @Test
    void aSendToAnAgentThatHasEndedThrowsUndeliverableInTheSender() throws Exception {
        supervisor().add(AgentSpec.of("persistent", new Persistent()), AgentSpec.of("leaver", new Leaver()))
                .options(SupervisorOptions.builder().mailboxCapacity(100).build())
                .build().supervise(Deadlines.LONG);
        assertThat(toSupervisor).hasSize(1);
        assertThat((String) toSupervisor.get(0)).contains("'leaver' (id 1)").containsAnyOf("has ended", "had ended");
    }

    static final class Flooder extends Agent {
        @Override
        protected void run() {
            Recipient to = ids("counter");
            for (int i = 0; i < 300_000; i++) {
                send(to, i);
            }
            send(to, "done");
        }
    }

    /** Checks the numbers arrive all and in order, slowly at first so that the flooder runs ahead. */
    static final class Counter extends Agent {
        @Override
        protected void run() throws Exception {
            int expected = 0;
            while (true) {
                Object m = nextMessage();
                if (m.equals("done")) {
                    break;
                }
                if (!m.equals(expected)) {
                    throw new AssertionError("expected " + expected + ", got " + m);
                }
                if (expected < 2000) {
                    Thread.onSpinWait();
                    long t = System.nanoTime();
                    while (System.nanoTime() - t < 50_000) {
                        Thread.onSpinWait(); // a slow consumer at first: the mailbox fills up
                    }
                }
                expected++;
            }
            send(Recipient.SUPERVISOR, expected);
        }
    }

    @Test
    void aFloodingAgentIsSlowedDownByAFullMailboxAndNothingIsLostOrReordered() throws Exception {
        supervisor().add(AgentSpec.of("counter", new Counter()), AgentSpec.of("flooder", new Flooder()))
                .options(SupervisorOptions.builder().mailboxCapacity(64).build())
                .build().supervise(Deadlines.LONG);
        assertThat(toSupervisor).containsExactly(300_000);
    }

    static final class FailsFirst extends Agent {
        private final String marker;

        FailsFirst(String marker) {
            this.marker = marker;
        }

        @Override
        protected void run() throws Exception {
            Path p = Path.of(marker);
            if (!Files.exists(p)) {
                Files.writeString(p, "ran");
                throw new IllegalStateException("first run fails");
            }
            send(ids("greeter"), "back again as " + id());
            print("second run", nextMessage());
        }
    }

    static final class AlwaysFails extends Agent {
        @Override
        protected void run() {
            throw new IllegalStateException("always");
        }
    }

    @Test
    void restartOneRestartsTheFailedAgentAloneUnderTheSameIdWhileTheOthersGoOn() throws Exception {
        supervisor().add(AgentSpec.of("flaky", new FailsFirst(dir.resolve("marker").toString())),
                        AgentSpec.of("greeter", new Greeter2()))
                .options(SupervisorOptions.builder().grace(Deadlines.GRACE)
                        .strategy(RestartStrategy.restartOne(1, Duration.ofMinutes(1))).build())
                .build().supervise(Deadlines.LONG);
        assertThat(printed).containsExactlyInAnyOrder("greeter: back again as 0", "flaky: second run hi");
    }

    /** Answers the first message; it keeps running while the other agent fails and restarts. */
    static final class Greeter2 extends Agent {
        @Override
        protected void run() throws Exception {
            Object m = nextMessage();
            send(Recipient.id(sender()), "hi");
            print(m);
        }
    }

    @Test
    void restartOneGivesUpAfterTheLimitAndReportsTheFailure() {
        Supervisor s = supervisor().add(AgentSpec.of("doomed", new AlwaysFails()).type(WorkerType.THREAD),
                        AgentSpec.of("waiter", new Waiter()).type(WorkerType.THREAD))
                .options(SupervisorOptions.builder().grace(Deadlines.GRACE)
                        .strategy(RestartStrategy.restartOne(2, Duration.ofMinutes(1))).build())
                .build();
        assertThatThrownBy(() -> s.supervise(Deadlines.LONG))
                .isInstanceOfSatisfying(AgentFailedException.class, e -> {
                    assertThat(e.agentName()).isEqualTo("doomed");
                    assertThat(e.getMessage()).contains("failed again after 2 restart(s)");
                    assertThat(e.getCause()).hasMessage("always");
                });
    }

    @Test
    void superviseWithATimeoutStopsAgentsThatRunTooLong() throws Exception {
        Supervisor s = supervisor().add(AgentSpec.of("waiter", new Waiter())).build();
        assertThatThrownBy(() -> s.supervise(Duration.ofSeconds(2)))
                .isInstanceOf(TimeoutException.class).hasMessageContaining("'waiter' (id 0)");
    }

    @Test
    void badInputIsRefusedWithAClearError() {
        assertThatThrownBy(() -> Supervisor.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgentSpec.of(" ", new Receiver())).isInstanceOf(IllegalArgumentException.class);
        Supervisor s = Supervisor.builder().add("unserializable", new Agent() {
            private final Object notSerializable = new Object();

            @Override
            protected void run() {
            }
        }).build();
        assertThatThrownBy(s::supervise).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'unserializable'");
    }

    static final class AsksForAStranger extends Agent {
        @Override
        protected void run() {
            ids("nobody");
        }
    }

    @Test
    void anUnknownNameIsANoSuchAgentExceptionListingTheNames() {
        Supervisor s = supervisor().add(AgentSpec.of("asker", new AsksForAStranger()).type(WorkerType.THREAD)).build();
        assertThatThrownBy(() -> s.supervise(Deadlines.LONG)).isInstanceOf(AgentFailedException.class)
                .cause().isInstanceOf(NoSuchAgentException.class).hasMessageContaining("no agent is named 'nobody'")
                .hasMessageContaining("asker");
    }

    @Test
    void aSendToANameSharedBySeveralAgentsReachesEachOfThem() throws Exception {
        supervisor().add(AgentSpec.of("receiver", new Receiver()).type(WorkerType.THREAD),
                        AgentSpec.of("receiver", new Receiver()),
                        AgentSpec.of("greeter", new Greeter()).type(WorkerType.THREAD))
                .build().supervise(Deadlines.LONG);
        assertThat(printed).containsExactly("receiver: got hello from 2 from 2", "receiver: got hello from 2 from 2");
    }

    static final class Multiplier extends Agent {
        @Override
        protected void run() {
            send(Recipient.SUPERVISOR, 1234 * 5678);
        }
    }

    @Test
    void withoutAMessageHandlerMessagesToTheSupervisorAreGivenToThePrintHandler() throws Exception {
        Supervisor.builder().printHandler((name, id, text) -> printed.add(name + ": " + text))
                .add(AgentSpec.of("multiplier", new Multiplier()).type(WorkerType.THREAD))
                .build().supervise(Deadlines.LONG);
        assertThat(printed).containsExactly("multiplier: 7006652");
    }

    static final class BigSender extends Agent {
        @Override
        protected void run() {
            byte[] big = new byte[3 << 20];
            big[big.length - 1] = 7;
            send(ids("sizer"), "small before");
            send(ids("sizer"), big);
            send(ids("sizer"), "small after");
        }
    }

    static final class Sizer extends Agent {
        @Override
        protected void run() throws Exception {
            Object a = nextMessage();
            byte[] big = (byte[]) nextMessage();
            Object c = nextMessage();
            send(Recipient.SUPERVISOR, a + " " + big.length + " " + big[big.length - 1] + " " + c);
        }
    }

    @Test
    void aMessageOfSeveralMegabytesTravelsInOrderBetweenSmallOnes() throws Exception {
        supervisor().add(AgentSpec.of("sizer", new Sizer()), AgentSpec.of("big", new BigSender()))
                .build().supervise(Deadlines.LONG);
        assertThat(toSupervisor).containsExactly("small before " + (3 << 20) + " 7 small after");
    }

    @Test
    void interruptingTheSupervisingThreadStopsEveryAgent() throws Exception {
        Supervisor s = supervisor().add(AgentSpec.of("waiter", new Waiter())).build();
        java.util.concurrent.atomic.AtomicReference<Throwable> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                s.supervise(Deadlines.LONG);
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        t.start();
        org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> !toSupervisor.isEmpty());
        t.interrupt();
        t.join(Deadlines.LONG.toMillis());
        assertThat(t.isAlive()).isFalse();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(LeakCheck.isRunning((Long) toSupervisor.get(0))).isFalse();
    }
}
