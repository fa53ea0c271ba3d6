package demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.OutputHandler;
import dev.procpool.Task;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.RemoteOptions;
import dev.procpool.testing.Deadlines;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code procpool worker-server --classpath} (alias {@code -cp}), the way a user runs it: the real
 * command as a process, serving a REMOTE worker a class of the user's jar that neither the server
 * nor the controller's remote class loading provides otherwise.
 */
@Tag("jvm")
class WorkerServerClasspathCommandTest {
    static final String TOKEN = "cli-classpath-token-0123456789";

    static List<String> procpool(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.procpool.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void theServersClasspathOptionRunsTheUsersClass(@TempDir Path dir) throws Exception {
        Path jar = UserCode.jar(dir, "greet", Map.of("demo.greet.Hello", """
                package demo.greet;
                public class Hello implements dev.procpool.Task<String> {
                    public String call() {
                        return "hello from " + getClass().getName() + " on the worker-server's classpath";
                    }
                }
                """));
        ProcessBuilder pb = new ProcessBuilder(procpool("worker-server", "--listen", "127.0.0.1:0", "-cp", jar.toString(),
                "--max-workers", "4"));
        pb.environment().put("PROCPOOL_TOKEN", TOKEN);
        pb.redirectError(dir.resolve("server.err").toFile());
        Process server = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
                var app = UserCode.loader(jar)) {
            String ready = out.readLine();
            assertThat(ready).as("first line; stderr: " + Files.readString(dir.resolve("server.err")))
                    .startsWith("procpool worker-server listening on 127.0.0.1:");
            int port = Integer.parseInt(ready.replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));
            Task<String> task = UserCode.instance(app, "demo.greet.Hello");
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(RemoteOptions.builder("127.0.0.1", port).token(dev.procpool.Token.of(TOKEN))
                            .remoteClassLoading(false).allowClasses("demo.greet.*").build()).build();
            Worker<String> w = Workers.start(WorkerType.REMOTE, task, options);
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).isEqualTo("hello from demo.greet.Hello on the worker-server's classpath");
        } finally {
            server.destroy();
            if (!server.waitFor(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void aClasspathEntryThatDoesNotExistIsBadInputInBothModes(@TempDir Path dir) throws Exception {
        for (List<String> args : List.of(List.of("worker-server", "--listen", "127.0.0.1:0", "--classpath", "/no/such.jar"),
                List.of("worker-server", "--redis", "redis://127.0.0.1:1", "-cp", "/no/such.jar"))) {
            ProcessBuilder pb = new ProcessBuilder(procpool(args.toArray(new String[0])));
            pb.environment().put("PROCPOOL_TOKEN", TOKEN);
            Path err = dir.resolve("err-" + args.get(1).substring(2));
            pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            assertThat(p.waitFor(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(args + ": " + Files.readString(err)).isEqualTo(2);
            assertThat(Files.readString(err)).contains("classpath entry /no/such.jar does not exist");
        }
    }
}
