package dev.procpool.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.cli.run.RunCli.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code procpool run} as a real process: inputs, replacement strings, output, logs, exit codes, bad input. */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class RunCommandTest {
    @TempDir
    Path dir;

    private Outcome run(String... args) throws Exception {
        return RunCli.run(RunCli.procpool(args), null, dir);
    }

    @Test
    void everyReplacementStringAndAnAppendedArgument() throws Exception {
        Outcome o = run("--dry-run", "echo", "{}", "{.}", "{/}", "{//}", "{/.}", "{#}", ":::", "/a/b.c/d.txt", "x y");
        assertThat(o.err()).isEmpty();
        assertThat(o.out()).isEqualTo("echo /a/b.c/d.txt /a/b.c/d d.txt /a/b.c d 1\necho 'x y' 'x y' 'x y' . 'x y' 2\n");
        assertThat(run("--dry-run", "echo", ":::", "a").out()).isEqualTo("echo a\n");
        assertThat(run("--dry-run", "-j", "1", "echo", "{%}", "{2}-{1}", "{2.}", ":::", "a", ":::", "b.x").out())
                .isEqualTo("echo 1 b.x-a b\n");
    }

    @Test
    void severalSourcesGiveEveryCombinationInOrderWithTags() throws Exception {
        Outcome o = run("-k", "--tag", "echo", "{1}{2}", ":::", "a", "b", ":::", "1", "2");
        assertThat(o.exit()).isZero();
        assertThat(o.out()).isEqualTo("a 1\ta1\na 2\ta2\nb 1\tb1\nb 2\tb2\n");
    }

    @Test
    void argumentsFromStdinAndFromFiles() throws Exception {
        assertThat(RunCli.run(RunCli.procpool("-k", "echo"), "a\nb c\n", dir).out()).isEqualTo("a\nb c\n");
        Files.writeString(dir.resolve("args"), "x\ny\n");
        assertThat(run("-k", "echo", "{}", "{#}", "::::", "args").out()).isEqualTo("x 1\ny 2\n");
    }

    @Test
    void jobsStartAsStdinLinesArriveWithoutWaitingForItsEnd() throws Exception {
        Process p = new ProcessBuilder(RunCli.procpool("echo", "got")).directory(dir.toFile()).start();
        StringBuffer out = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var in = p.getInputStream()) {
                for (int c; (c = in.read()) >= 0; ) {
                    out.append((char) c);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        reader.start();
        try {
            var stdin = p.getOutputStream();
            stdin.write("a\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            stdin.flush();
            org.awaitility.Awaitility.await("the first line's job, stdin still open").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> out.toString().equals("got a\n"));
            stdin.write("b\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            stdin.close();
            assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
            assertThat(out.toString()).isEqualTo("got a\ngot b\n");
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void exitStatusCountsFailedJobs() throws Exception {
        assertThat(run("exit", ":::", "0", "1", "2", "0").exit()).isEqualTo(2);
        assertThat(run("true", ":::", "1").exit()).isZero();
        assertThat(run("/no/such/program", ":::", "1").exit()).isEqualTo(1);
    }

    @Test
    void haltNowOnTheFirstFailureExitsWithItsCode() throws Exception {
        Outcome o = run("-j", "1", "--halt", "now,fail=1", "echo {}; exit {}", ":::", "0", "3", "0", "0");
        assertThat(o.exit()).isEqualTo(3);
        assertThat(o.out()).isEqualTo("0\n3\n");
    }

    @Test
    void haltOnFailuresExitsAsGnuParallel() throws Exception {
        // fail=N: the number of failed jobs; fail=N%: their percentage of the jobs done, rounded up
        assertThat(run("-j", "1", "--halt", "soon,fail=2", "exit", ":::", "0", "3", "0", "4", "5", "0").exit())
                .isEqualTo(2);
        assertThat(run("-j", "1", "--halt", "now,fail=50%", "exit", ":::", "0", "3", "0", "4", "5", "0").exit())
                .isEqualTo(50);
        assertThat(run("-j", "1", "--halt", "soon,fail=30%", "exit", ":::", "0", "3", "0", "4", "5", "0").exit())
                .isEqualTo(34);
        assertThat(run("-j", "1", "--halt", "now,success=1", "exit", ":::", "1", "0", "2").exit()).isZero();
    }

    @Test
    void barIsOffWhenStderrIsNoTerminal() throws Exception {
        Outcome o = run("--bar", "-j", "1", "echo", ":::", "1", "2", "3");
        assertThat(o.exit()).isZero();
        assertThat(o.out()).isEqualTo("1\n2\n3\n");
        assertThat(o.err()).isEmpty();
    }

    @Test
    void barOnATerminalErasesItsLineKeepsOutputApartAndShowsAnEta() throws Exception {
        // script(1) gives the command a terminal; its output is what the terminal received
        String cmd = String.join(" ", RunCli.procpool("--bar", "-j", "1", "echo {}; sleep 0.1", ":::", "1", "22", "333")
                .stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList());
        Outcome o = RunCli.run(List.of("script", "-qec", cmd, "/dev/null"), null, dir);
        assertThat(o.exit()).isZero();
        String screen = o.out().replace("\r\n", "\n");
        assertThat(screen).contains("\r\033[K100% 3:0=0s 333");
        assertThat(screen).contains("33% 1:2=");
        // every line of job output starts on a clean line: the bar was erased before it
        assertThat(screen).contains("\r\033[K22\n").contains("\r\033[K333\n");
        for (String line : screen.split("\n")) {
            String visible = line.substring(line.lastIndexOf("\033[K") < 0 ? 0 : line.lastIndexOf("\033[K") + 3);
            assertThat(visible).as("what remains of a line on the terminal").matches("1|22|333|100% 3:0=0s 333");
        }
    }

    @Test
    void aTimeoutInPercentOfTheMedianRuntimeSendsSigtermFirst() throws Exception {
        // three quick jobs set the median; the slow one is far past 300% of it and is asked to stop
        Outcome o = run("-j", "1", "--timeout", "300%", "--joblog", "log",
                "if [ {} = slow ]; then trap 'echo term > got-term; exit 7' TERM; sleep 30 & wait; else sleep 0.1; fi",
                ":::", "a", "b", "c", "slow");
        assertThat(o.exit()).isEqualTo(1);
        assertThat(o.err()).contains("killed because it timed out");
        assertThat(dir.resolve("got-term")).as("the job's TERM trap ran").hasContent("term");
    }

    @Test
    void aTimeoutKillsAJobThatIgnoresSigtermAndIsLogged() throws Exception {
        Path log = dir.resolve("log");
        Outcome o = run("--timeout", "300ms", "--joblog", log.toString(), "trap '' TERM; sleep {}", ":::", "30");
        assertThat(o.exit()).isEqualTo(1);
        assertThat(o.err()).contains("killed because it timed out");
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.get(0)).isEqualTo("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand");
        assertThat(lines.get(1)).matches("1\t:\t\\d+\\.\\d{3}\t +\\d+\\.\\d{3}\t0\t0\t-1\t(9|15)\ttrap '' TERM; sleep 30");
    }

    @Test
    void joblogThenResumeAndResumeFailed() throws Exception {
        Path log = dir.resolve("log");
        assertThat(run("--joblog", "log", "echo {}; exit {}", ":::", "0", "1").exit()).isEqualTo(1);
        assertThat(Files.readAllLines(log)).hasSize(3);
        assertThat(run("--joblog", "log", "--resume", "echo {}; exit {}", ":::", "0", "1", "0").out()).isEqualTo("0\n");
        assertThat(Files.readAllLines(log)).hasSize(4);
        Outcome again = run("--joblog", "log", "--resume-failed", "echo {}; exit {}", ":::", "0", "1", "0");
        assertThat(again.out()).isEqualTo("1\n");
        assertThat(again.exit()).isEqualTo(1);
    }

    @Test
    void retriesRunAFailingJobAgain() throws Exception {
        Outcome o = run("--retries", "3", "echo {} >> tries; [ $(wc -l < tries) -ge 2 ]", ":::", "x");
        assertThat(o.exit()).isZero();
        assertThat(Files.readAllLines(dir.resolve("tries"))).hasSize(2);
    }

    @Test
    void resultsDirectoryKeepsEachJobsOutput() throws Exception {
        Outcome o = run("--results", "res", "echo {}; echo e{} >&2", ":::", "a", "b/c");
        assertThat(o.out()).isEmpty();
        assertThat(Files.readString(dir.resolve("res/1/a/stdout"))).isEqualTo("a\n");
        assertThat(Files.readString(dir.resolve("res/1/a/stderr"))).isEqualTo("ea\n");
        assertThat(Files.readString(dir.resolve("res/1/b\\_c/stdout"))).isEqualTo("b/c\n");
        assertThat(Files.readString(dir.resolve("res/1/a/seq"))).isEqualTo("1");
    }

    @Test
    void jsonSummaryAndTotalTimeout() throws Exception {
        Outcome o = run("--json", "--total-timeout", "3s", "-j", "2", "sleep", ":::", "0", "30");
        assertThat(o.exit()).isEqualTo(1);
        assertThat(o.out()).startsWith("{\"jobs\":2,\"succeeded\":1,").contains("\"killed\":1");
    }

    @Test
    void outputOfConcurrentJobsNeverMixesWithinALine() throws Exception {
        Outcome o = run("-j", "4", "for i in 1 2 3 4 5 6 7 8 9 10; do printf '%s-%s-%s\\n' {} $i {}; done", ":::",
                "aa", "bb", "cc", "dd", "ee", "ff", "gg", "hh");
        assertThat(o.out().lines()).hasSize(80).allMatch(l -> l.matches("(\\w\\w)-\\d+-\\1"));
    }

    @Test
    void badInputIsOneLineAndExit255() throws Exception {
        for (String[] args : List.of(new String[] {"--bogus", "x"}, new String[] {"--timeout", "abc", "true", ":::", "1"},
                new String[] {"true", "::::", "/no/such/file"}, new String[] {"--halt", "sometimes", "true", ":::", "1"},
                new String[] {"-j", "many", "true", ":::", "1"})) {
            Outcome o = run(args);
            assertThat(o.exit()).as(String.join(" ", args)).isEqualTo(255);
            assertThat(o.err()).as(String.join(" ", args)).startsWith("procpool: ").doesNotContain("\tat ");
        }
    }

    @Test
    void unsupportedGnuOptionsAreRefusedByNameWithWhatToUseInstead() throws Exception {
        Outcome o = run("--pipepart", "wc", "-l");
        assertThat(o.exit()).isEqualTo(255);
        assertThat(o.err()).startsWith("procpool: --pipepart is not supported by procpool run: use --pipe < FILE");
        Outcome perl = run("echo", "{= $_ = reverse($_) =}", ":::", "ab");
        assertThat(perl.exit()).isEqualTo(255);
        assertThat(perl.err()).startsWith("procpool: '{= $_ = reverse($_) =}' is beyond the Perl procpool understands");
    }

    @Test
    void helpHasNoFormattingWarnings() throws Exception {
        Outcome o = run("--help");
        assertThat(o.exit()).isZero();
        assertThat(o.out()).contains("N% of the cores");
        assertThat(o.err()).doesNotContain("WARN");
    }

    @Test
    void ctrlCKillsTheRunningJobsAndExits255() throws Exception {
        Process p = new ProcessBuilder(RunCli.procpool("sh -c 'echo $$ > pid.{}; exec sleep 60'", ":::", "a"))
                .directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            Path pidFile = dir.resolve("pid.a");
            org.awaitility.Awaitility.await("the job started").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
            long jobPid = Long.parseLong(Files.readString(pidFile).strip());
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("procpool ended after SIGINT").isTrue();
            assertThat(p.exitValue()).isEqualTo(255);
            org.awaitility.Awaitility.await("the job's process is gone").atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(jobPid).map(h -> !h.isAlive() || zombie(jobPid)).orElse(true));
        } finally {
            p.destroyForcibly();
        }
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException e) {
            return true;
        }
    }

    @Test
    void lineBufferPrintsWholeLinesWhileTheJobStillRuns() throws Exception {
        Process p = new ProcessBuilder(RunCli.procpool("--line-buffer", "--tag",
                ": {}; printf 'first\\nhalf'; while [ ! -e go ]; do sleep 0.05; done; echo ' done'", ":::", "x"))
                .directory(dir.toFile()).start();
        StringBuffer out = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var in = p.getInputStream()) {
                for (int c; (c = in.read()) >= 0; ) {
                    out.append((char) c);
                }
            } catch (java.io.IOException e) {
                // ended
            }
        });
        reader.start();
        try {
            org.awaitility.Awaitility.await("the first whole line, the job still running").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> out.toString().equals("x\tfirst\n"));
            Files.writeString(dir.resolve("go"), "");
            assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
            assertThat(out.toString()).isEqualTo("x\tfirst\nx\thalf done\n");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void joblogAndOutputKeepBytesThatAreNotUtf8() throws Exception {
        String procpool = String.join(" ", RunCli.procpool().stream().map(w -> "'" + w + "'").toList());
        Outcome o = RunCli.run(List.of("sh", "-c", "unset LANG LC_ALL; " + procpool
                + " --joblog log echo ::: \"$(printf 'lat\\351')\" | od -An -tx1"), null, dir);
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out().strip()).isEqualTo("6c 61 74 e9 0a");
        byte[] log = Files.readAllBytes(dir.resolve("log"));
        assertThat(java.util.HexFormat.of().formatHex(log)).as("the command in the joblog, byte for byte")
                .endsWith(java.util.HexFormat.of().formatHex("\techo 'lat".getBytes()) + "e9270a");
    }

    /**
     * Every byte but NUL, as one argument, from the command line, from a file and from stdin (-0),
     * comes out unchanged, under LANG unset (the JVM's charset is US-ASCII then) and C.UTF-8 (where
     * most of these bytes are not UTF-8), on whichever JDK runs the tests.
     */
    @Test
    void everyByteButNulPassesThroughUnderAnyLocale() throws Exception {
        StringBuilder octal = new StringBuilder();
        StringBuilder hex = new StringBuilder();
        for (int b = 1; b <= 255; b++) {
            octal.append(String.format("\\%03o", b));
            hex.append(String.format("%02x", b));
        }
        String procpool = String.join(" ", RunCli.procpool().stream().map(w -> "'" + w + "'").toList());
        String script = "A=\"$(printf '" + octal + "x')\"; A=\"${A%x}\"; printf '%s\\0' \"$A\" > all.bin; "
                + procpool + " -k printf %s ::: \"$A\" | od -An -tx1 -v | tr -d ' \\n'; echo; "
                + procpool + " -k -0 printf %s :::: all.bin | od -An -tx1 -v | tr -d ' \\n'; echo; "
                + procpool + " -k -0 printf %s < all.bin | od -An -tx1 -v | tr -d ' \\n'; echo";
        for (String locale : new String[] {"unset LANG LC_ALL LC_CTYPE", "unset LANG; export LC_ALL=C.UTF-8"}) {
            Outcome o = RunCli.run(List.of("sh", "-c", locale + "; " + script), null, dir);
            assertThat(o.exit()).as(o.err()).isZero();
            assertThat(o.out().split("\n")).as(locale).containsExactly(hex.toString(), hex.toString(), hex.toString());
        }
    }
}
