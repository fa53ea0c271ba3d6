package dev.procpool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.WorkerOptions;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LaunchCommandTest {

    @Test
    void relativeClasspathEntriesAreMadeAbsoluteBecauseTheChildMayRunElsewhere() throws Exception {
        WorkerOptions options = WorkerOptions.builder().classpath(List.of("lib/*", "classes", "")).build();

        String[] entries = LaunchCommand.classpath(options).split(File.pathSeparator);

        assertThat(entries).startsWith(Path.of("lib").toAbsolutePath() + File.separator + "*",
                Path.of("classes").toAbsolutePath().toString());
        assertThat(entries).allMatch(e -> Path.of(e.replace("*", "")).isAbsolute());
    }

    @Test
    void shellFormQuotesWhatTheShellWouldSplitOrExpand() throws Exception {
        WorkerOptions options = WorkerOptions.builder().environment("GREETING", "hello world")
                .workingDirectory(Path.of("/tmp/it's here")).build();

        String shell = LaunchCommand.toShell(options, List.of("java", "-Dx=a b", "-cp", "/a:/b", "Main"));

        assertThat(shell).isEqualTo("cd '/tmp/it'\\''s here' && env 'GREETING=hello world' java '-Dx=a b' -cp /a:/b Main");
    }

    @Test
    void exitCodesAbove128NameTheirSignal() throws Exception {
        assertThat(Signals.fromExitCode(137)).isEqualTo("SIGKILL");
        assertThat(Signals.fromExitCode(143)).isEqualTo("SIGTERM");
        assertThat(Signals.fromExitCode(134)).isEqualTo("SIGABRT");
        assertThat(Signals.fromExitCode(3)).isNull();
        assertThat(Signals.fromExitCode(128)).isNull();
    }

    @Test
    void theJvmCrashBannerIsSummedUp() throws Exception {
        List<String> banner = List.of("#", "# A fatal error has been detected by the Java Runtime Environment:", "#",
                "#  SIGSEGV (0xb) at pc=0x00007f5d7ead2f94, pid=7457, tid=7486", "#",
                "# An error report file with more information is saved as:", "# /tmp/hs_err_7457.log");

        assertThat(ProcessEngine.crashSummary(banner, List.of()))
                .isEqualTo("the JVM crashed (SIGSEGV (0xb) at pc=0x00007f5d7ead2f94, pid=7457, tid=7486); "
                        + "its crash report is /tmp/hs_err_7457.log");
        assertThat(ProcessEngine.crashSummary(List.of("all fine"), List.of("also fine"))).isNull();
    }

    @Test
    void withoutABannerTheCrashReportFileOfThatPidExplainsTheDeath(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Files.write(dir.resolve("crash-4242.log"), List.of("#",
                "# A fatal error has been detected by the Java Runtime Environment:", "#",
                "#  SIGSEGV (0xb) at pc=0x1, pid=4242, tid=4243", "#", "# Problematic frame:"));
        long since = System.currentTimeMillis() - 5_000;

        assertThat(ProcessEngine.crashReport(4242, List.of("java", "-XX:ErrorFile=crash-%p.log", "Main"), dir, since))
                .isEqualTo("the JVM crashed (SIGSEGV (0xb) at pc=0x1, pid=4242, tid=4243); its crash report is "
                        + dir.resolve("crash-4242.log").toAbsolutePath());
        assertThat(ProcessEngine.crashReport(4243, List.of("java", "-XX:ErrorFile=crash-%p.log", "Main"), dir, since))
                .as("another pid's report").isNull();
        assertThat(ProcessEngine.crashReport(4242, List.of("java", "-XX:ErrorFile=crash-%p.log", "Main"), dir,
                System.currentTimeMillis() + 60_000)).as("a report older than the worker").isNull();
    }
}
