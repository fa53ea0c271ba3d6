package dev.procpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** Runs the CLI in-process, as {@code bin/procpool} would run it, and reads what a user would see. */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class MainTest {
    /** How long child JVMs the demo stopped may take to be reaped before we call them leaked. */
    private static final Duration REAP_DEADLINE = Duration.ofSeconds(10);

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @AfterEach
    void leavesNoChildProcessBehind() throws InterruptedException {
        long deadline = System.nanoTime() + REAP_DEADLINE.toNanos();
        List<ProcessHandle> left = children();
        while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
            left.get(0).onExit().completeOnTimeout(null, 50, TimeUnit.MILLISECONDS).join();
            left = children();
        }
        left.forEach(ProcessHandle::destroyForcibly);
        assertThat(left).as("child processes left behind").isEmpty();
    }

    private static List<ProcessHandle> children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    }

    @Test
    void versionPrintsTheVersionMavenBuiltAndTheJava() {
        int code = run("version");

        assertThat(code).isZero();
        assertThat(out.toString().lines().toList())
                .first().isEqualTo("procpool " + System.getProperty("procpool.expectedVersion"));
        assertThat(out.toString()).contains("java " + Runtime.version()).contains(System.getProperty("java.vendor"));
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void versionOptionAgreesWithVersionSubcommand() {
        run("version");
        String fromSubcommand = out.toString();
        out.getBuffer().setLength(0);

        assertThat(run("--version")).isZero();
        assertThat(out.toString()).isEqualTo(fromSubcommand);
    }

    @Test
    void unknownOptionIsOneLineErrorWithUsageHintAndExitCode2() {
        int code = run("--no-such-option");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString().lines().toList()).containsExactly(
                "procpool: Unknown option: '--no-such-option'",
                "Try 'procpool --help' for more information.");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void unknownSubcommandIsNamedWithASuggestion() {
        int code = run("demoo");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString().lines().toList()).containsExactly(
                "procpool: unknown subcommand 'demoo' (did you mean 'demo'?)",
                "Try 'procpool --help' for more information.");
    }

    @Test
    void unknownSubcommandWithNothingSimilarListsTheKnownOnes() {
        assertThat(run("xyzzy")).isEqualTo(2);
        assertThat(err.toString()).startsWith(
                "procpool: unknown subcommand 'xyzzy' (known ones: version, demo, run, worker-server, log-server, status, help)\n");
    }

    @Test
    void strayArgumentIsCalledUnexpected() {
        assertThat(run("version", "extra")).isEqualTo(2);
        assertThat(err.toString().lines().toList()).containsExactly(
                "procpool: unexpected argument 'extra'",
                "Try 'procpool version --help' for more information.");
    }

    @Test
    void unknownOptionOfASubcommandPointsToThatSubcommandsHelp() {
        int code = run("demo", "--fast");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString().lines().toList()).containsExactly(
                "procpool: Unknown option: '--fast'",
                "Try 'procpool demo --help' for more information.");
    }

    @Test
    void noSubcommandIsBadInput() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).startsWith("procpool: missing subcommand");
    }

    @Test
    void helpListsTheSubcommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("demo", "version", "help");
    }

    @Test
    @Timeout(60)
    void demoSucceedsAndTheTerminatedWorkersProcessIsGone() {
        int code = run("demo");

        String text = out.toString();
        assertThat(code).as("exit code; output:%n%s%nstderr:%n%s", text, err).isZero();
        assertThat(text)
                .contains("1. A thread worker computed 6*7 = 42")
                .contains("2. A process worker started a child JVM (pid ")
                .containsPattern("procpool killed its process \\(pid (\\d+)\\)")
                .containsPattern("The worker's state is now TERMINATED, and process \\d+ is gone\\.")
                .contains("squared 0..9 in order: 0, 1, 4, 9, 16, 25, 36, 49, 64, 81 (10 calls)")
                .contains("All four examples behaved as described.");
    }
}
