package dev.procpool.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.cli.run.RunCli.Outcome;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code procpool run -S}: jobs on two real worker servers on 127.0.0.1 (child JVMs of this test,
 * stopped by pid), one of them SIGKILLed in the middle of a run.
 */
@Tag("jvm")
class RemoteRunTest {
    @TempDir
    Path dir;

    private final List<Process> servers = new ArrayList<>();
    private Path token;

    @BeforeEach
    void token() throws Exception {
        token = dir.resolve("token");
        Files.writeString(token, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void stopServers() {
        for (Process p : servers) {
            p.destroyForcibly();
        }
    }

    /** Starts a worker server on a free port of 127.0.0.1 and returns "127.0.0.1:PORT". */
    private String server(String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(RunCli.procpool());
        cmd.set(cmd.size() - 1, "worker-server"); // RunCli.procpool() ends with "run"
        cmd.addAll(List.of("--listen", "127.0.0.1:0", "--token-file", token.toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        servers.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> address = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    Matcher m = Pattern.compile("listening on (127\\.0\\.0\\.1:\\d+)").matcher(line);
                    if (m.find()) {
                        return m.group(1);
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                return null;
            }
        });
        String a = address.get(60, TimeUnit.SECONDS);
        assertThat(a).as("the worker-server said where it listens").isNotNull();
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // the server's log is not asserted on
                }
            } catch (java.io.IOException e) {
                // it ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        return a;
    }

    private Outcome run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("--token-file", token.toString()));
        cmd.addAll(List.of(args));
        return RunCli.run(RunCli.procpool(cmd.toArray(String[]::new)), null, dir);
    }

    @Test
    void jobsRunOnBothServersWithGroupedOutputAndTheHostInTheJoblog() throws Exception {
        String a = server();
        String b = server();
        Outcome o = run("-k", "-S", "2/" + a, "-S", "2/" + b, "--joblog", "log",
                "echo {}; echo err-{} >&2; sleep 0.2", ":::", "1", "2", "3", "4", "5", "6");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).isEqualTo("1\n2\n3\n4\n5\n6\n");
        assertThat(o.err()).isEqualTo("err-1\nerr-2\nerr-3\nerr-4\nerr-5\nerr-6\n");
        List<String> hosts = Files.readAllLines(dir.resolve("log")).stream().skip(1).map(l -> l.split("\t")[1]).toList();
        assertThat(hosts).hasSize(6).containsOnly(a, b).contains(a, b);
    }

    @Test
    void aTimeoutKillsTheJobsProcessTreeOnTheServer() throws Exception {
        String a = server();
        Outcome o = run("-S", a, "--timeout", "1", "echo $$ > pid.{}; sleep 60 & echo $! > child.{}; wait", ":::", "x");
        assertThat(o.exit()).isEqualTo(1);
        assertThat(o.err()).contains("killed because it timed out");
        for (String f : List.of("pid.x", "child.x")) {
            long pid = Long.parseLong(Files.readString(dir.resolve(f)).strip());
            Awaitility.await(f + " is gone").atMost(Duration.ofSeconds(10)).until(() -> gone(pid));
        }
    }

    @Test
    void aServerKilledMidRunHasItsJobRunAgainOnTheOther() throws Exception {
        String a = server();
        long aPid = servers.get(0).pid();
        String b = server();
        // each job notes its server (its parent) and waits for the go
        Process run = new ProcessBuilder(RunCli.procpool("--token-file", token.toString(), "-k", "--retries", "2",
                "-S", "1/" + a, "-S", "1/" + b, "--joblog", "log",
                "echo $PPID $$ > started.{}.$$; while [ ! -e go ]; do sleep 0.05; done; echo {}", ":::", "1", "2", "3"))
                .directory(dir.toFile()).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(run.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(run.getErrorStream()));
        try {
            long[] onA = new long[1];
            Awaitility.await("a job runs on the first server").atMost(Duration.ofSeconds(60)).until(() -> {
                try (var files = Files.list(dir)) {
                    for (Path f : files.filter(f -> f.getFileName().toString().startsWith("started.")).toList()) {
                        String[] ids = Files.readString(f).strip().split(" ");
                        if (ids.length == 2 && Long.parseLong(ids[0]) == aPid) {
                            onA[0] = Long.parseLong(ids[1]);
                            return true;
                        }
                    }
                }
                return false;
            });
            servers.get(0).destroyForcibly(); // SIGKILL
            assertThat(servers.get(0).waitFor(30, TimeUnit.SECONDS)).isTrue();
            Awaitility.await("the job on the killed server is gone too").atMost(Duration.ofSeconds(10))
                    .until(() -> gone(onA[0]));
            Files.writeString(dir.resolve("go"), "");
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).as("the run goes on and ends").isTrue();
            assertThat(out.get(10, TimeUnit.SECONDS)).isEqualTo("1\n2\n3\n");
            assertThat(run.exitValue()).as(err.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(err.get()).contains("lost worker-server " + a);
            List<String> hosts = Files.readAllLines(dir.resolve("log")).stream().skip(1).map(l -> l.split("\t")[1]).toList();
            assertThat(hosts).as("every job ended on the server that lived").containsOnly(b);
        } finally {
            run.destroyForcibly();
        }
    }

    @Test
    void aLostServerWithoutRetriesFailsItsJobAndTheRunGoesOn() throws Exception {
        String a = server();
        String b = server();
        servers.get(0).destroyForcibly();
        assertThat(servers.get(0).waitFor(30, TimeUnit.SECONDS)).isTrue();
        // a server that cannot be reached never got the job: it runs on the other one
        Outcome o = run("-k", "-S", "1/" + a, "-S", "1/" + b, "echo", ":::", "x", "y");
        assertThat(o.out()).isEqualTo("x\ny\n");
        assertThat(o.exit()).isZero();
        assertThat(o.err()).contains("lost worker-server " + a);
    }

    @Test
    void aWrongTokenIsRefusedAndEveryJobReportedFailed() throws Exception {
        String a = server();
        Files.writeString(token, "another-token-another-token-123\n");
        Outcome o = run("-S", a, "echo", ":::", "x", "y");
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.out()).isEmpty();
        assertThat(o.err()).contains("lost worker-server " + a).contains("authentication failed")
                .contains("no worker-server left: 2 jobs not run");
    }

    @Test
    void withoutATokenItSaysWhereOneComesFrom() throws Exception {
        Outcome o = RunCli.run(RunCli.procpool("-S", "127.0.0.1:1", "echo", ":::", "x"), null, dir);
        assertThat(o.exit()).isEqualTo(255);
        assertThat(o.err()).startsWith("procpool: -S needs the worker-servers' token: --token-file FILE or $PROCPOOL_TOKEN");
    }

    @Test
    void overTlsWhenAsked() throws Exception {
        Path keyStore = dir.resolve("server.p12");
        Path trustStore = dir.resolve("trust.p12");
        Path cert = dir.resolve("server.cer");
        Path password = dir.resolve("password");
        Files.writeString(password, "changeit\n");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", keyStore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-alias", "server", "-keystore", keyStore.toString(), "-storepass", "changeit",
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(), "-keystore",
                trustStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        String a = server("--tls-keystore", keyStore.toString(), "--tls-password-file", password.toString());
        Outcome tls = run("-k", "-S", a, "--tls-truststore", trustStore.toString(), "--tls-password-file",
                password.toString(), "echo", ":::", "over", "tls");
        assertThat(tls.exit()).as(tls.err()).isZero();
        assertThat(tls.out()).isEqualTo("over\ntls\n");
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static boolean gone(long pid) {
        return ProcessHandle.of(pid).map(h -> !h.isAlive() || zombie(pid)).orElse(true);
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException e) {
            return true;
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
