package dev.procpool.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.cli.run.RunCli.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same job sets through GNU parallel and {@code procpool run}, both with {@code -k}: the same
 * stdout and the same exit code. GNU parallel must be installed ({@code .ci/run} installs it); without
 * it this test fails, saying so, rather than passing without comparing anything.
 */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class GnuParallelCompatTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void gnuParallelIsInstalled() throws Exception {
        Outcome v = RunCli.run(List.of("sh", "-c", "command -v parallel && parallel --version"), null, null);
        assertThat(v.exit()).as("GNU parallel is needed for this test: apt-get install parallel (.ci/run does)")
                .isZero();
        assertThat(v.out()).as("'parallel' is not GNU parallel").contains("GNU parallel");
        Files.writeString(dir.resolve("args.txt"), "one\ntwo words\nthree.tar.gz\n/abs/path/file.c\n");
    }

    private static void same(String stdin, String... args) throws Exception {
        List<String> gnu = new ArrayList<>(List.of("parallel", "--will-cite", "-k"));
        gnu.addAll(List.of(args));
        List<String> ours = RunCli.procpool("-k");
        ours.addAll(List.of(args));
        Outcome expected = RunCli.run(gnu, stdin, dir);
        Outcome actual = RunCli.run(ours, stdin, dir);
        assertThat(actual.out()).as("stdout of " + String.join(" ", args)).isEqualTo(expected.out());
        assertThat(actual.exit()).as("exit code of " + String.join(" ", args) + "; stderr: " + actual.err())
                .isEqualTo(expected.exit());
    }

    @Test
    void listsAndCombinations() throws Exception {
        same(null, "echo", ":::", "a", "b", "c");
        same(null, "echo", "{2}", "{1}", ":::", "a", "b", ":::", "1", "2", "3");
        same(null, "--tag", "echo", "{}", ":::", "x", "y", ":::", "1", "2");
    }

    @Test
    void everyReplacementString() throws Exception {
        same(null, "-j", "1", "echo", "{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{%}", "::::", "args.txt");
        same(null, "echo", "{1/.}", "{2//}", ":::", "/a/b.c", ":::", "/d/e/f");
    }

    @Test
    void stdinAndFiles() throws Exception {
        same("a\nb c\n'quoted'\n", "echo");
        same(null, "echo", "::::", "args.txt");
        same("x\ny\n", "echo", "{}-{#}");
    }

    @Test
    void shellCommandsAndExitCodes() throws Exception {
        same(null, "echo {}; exit {}", ":::", "0", "1", "2", "0");
        same(null, "true", ":::", "1", "2");
        same(null, "false", ":::", "1", "2", "3");
        same(null, "-j", "1", "--halt", "now,fail=1", "echo {}; exit {}", ":::", "0", "3", "0", "0");
        same(null, "-j", "1", "--halt", "soon,fail=1", "echo {}; exit {}", ":::", "0", "4", "0");
        same(null, "-j", "1", "--halt", "now,success=1", "echo {}; exit {}", ":::", "3", "0", "5");
        same(null, "-j", "1", "--halt", "soon,fail=2", "echo {}; exit {}", ":::", "0", "3", "0", "4", "5", "0");
        same(null, "-j", "1", "--halt", "now,fail=50%", "echo {}; exit {}", ":::", "0", "3", "0", "4", "5", "0");
        same(null, "-j", "1", "--halt", "soon,fail=30%", "echo {}; exit {}", ":::", "0", "3", "0", "4", "5", "0");
        same(null, "-j", "1", "--halt", "now,fail=20%", "echo {}; exit {}", ":::", "1", "0", "0", "0", "0", "0");
        same(null, "-j", "1", "--halt", "now,fail=10%", "echo {}; exit {}", ":::", "2", "0", "0", "0", "0", "0",
                "0", "0", "0", "0");
        same(null, "-j", "1", "--halt", "soon,done=3", "echo {}; exit {}", ":::", "0", "1", "0", "0", "0");
        same(null, "-j", "1", "--halt", "now,fail=1", "echo {}; kill -TERM $$", ":::", "a", "b");
    }

    @Test
    void stdinAsOneOfSeveralSources() throws Exception {
        same("a\nb\n", "echo", "{1}{2}", "::::", "-", ":::", "1", "2");
    }

    @Test
    void noCommandRunsTheArguments() throws Exception {
        same(null, ":::", "echo hi", "echo there");
    }
}
