package dev.procpool.remote;

import static dev.procpool.remote.RemoteWorkerTest.TOKEN;
import static dev.procpool.remote.RemoteWorkerTest.serverOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Token;
import dev.procpool.OutputHandler;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The ways to have a server: spawned, over ssh, with TLS, and what a bad start looks like. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class WorkerServerLaunchTest {

    @Test
    void aSpawnedServerStopsWithItsWorkersWhenClosed() throws Exception {
        WorkerServer server = WorkerServer.spawn(serverOptions());
        long serverPid = server.pid().getAsLong();
        Worker<String> w = Workers.start(WorkerType.REMOTE, dev.procpool.testing.Misbehave.hang(),
                RemoteWorkerTest.remote(server));
        long workerPid = w.pid();
        assertThat(LeakCheck.isRunning(workerPid)).isTrue();

        server.close();

        assertThat(LeakCheck.isRunning(serverPid)).isFalse();
        await().atMost(Deadlines.SHORT).until(() -> !LeakCheck.isRunning(workerPid));
        assertThat(w.await(Deadlines.LONG)).isTrue();
        assertThat(w.error().orElseThrow()).hasMessageContaining("lost the connection to worker-server");
    }

    @Test
    void aTemporaryServerOverSshRunsForTheBlock(@TempDir Path dir) throws Exception {
        // No sshd here: a fake ssh that drops its options and the host and runs the command locally,
        // as the real one would on the remote host.
        Path log = dir.resolve("ssh.log");
        Path fakeSsh = dir.resolve("ssh");
        Files.writeString(fakeSsh, "#!/bin/sh\n"
                + "for last; do :; done\n"
                + "echo \"$@\" > '" + log + "'\n"
                + "exec sh -c \"$last\"\n");
        Files.setPosixFilePermissions(fakeSsh, PosixFilePermissions.fromString("rwx------"));
        SshOptions ssh = SshOptions.defaults().withCommand(List.of(fakeSsh.toString(), "-o", "BatchMode=yes"))
                .withJava(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        long pid;
        try (WorkerServer server = WorkerServer.overSsh("tester@127.0.0.1", serverOptions(), ssh)) {
            pid = server.pid().getAsLong();
            Worker<String> w = Workers.start(WorkerType.REMOTE, () -> "over ssh", RemoteWorkerTest.remote(server));
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).isEqualTo("over ssh");
            assertThat(server.address().getHostString()).isEqualTo("127.0.0.1");
        }
        assertThat(LeakCheck.isRunning(pid)).isFalse();
        String args = Files.readString(log);
        assertThat(args).startsWith("-o BatchMode=yes tester@127.0.0.1 ").contains("RemoteServerMain")
                .doesNotContain(new String(TOKEN.bytes(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aServerThatCannotStartSaysWhy() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            WorkerServerOptions taken = WorkerServerOptions.builder().token(TOKEN)
                    .listen("127.0.0.1:" + busy.getLocalPort()).output(OutputHandler.discard()).build();
            assertThatThrownBy(() -> WorkerServer.spawn(taken)).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("worker-server exited with code 1")
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + busy.getLocalPort());
        }
        assertThatThrownBy(() -> WorkerServerOptions.builder().listen("no-port-here"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> WorkerServerOptions.builder().token(Token.of("short")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too short");
    }

    @Test
    void tlsIsOneOptionAway(@TempDir Path dir) throws Exception {
        char[] password = "changeit".toCharArray();
        Path keyStore = dir.resolve("server.p12");
        Path trustStore = dir.resolve("trust.p12");
        Path cert = dir.resolve("server.cer");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", keyStore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-alias", "server", "-keystore", keyStore.toString(), "-storepass", "changeit",
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(), "-keystore",
                trustStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        List<String> log = new CopyOnWriteArrayList<>();
        WorkerServerOptions tls = WorkerServerOptions.builder().token(TOKEN).tls(keyStore, password)
                .output(OutputHandler.discard()).log(log::add).build();
        try (WorkerServer server = WorkerServer.start(tls)) {
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(server.remoteOptions().tls(trustStore, password).build()).build();
            Worker<String> w = Workers.start(WorkerType.REMOTE, () -> "over TLS", options);
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).isEqualTo("over TLS");

            WorkerOptions plain = WorkerOptions.builder().startTimeout(Duration.ofSeconds(1))
                    .remote(server.remoteOptions().build()).build();
            assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> "never", plain))
                    .isInstanceOf(WorkerStartException.class);
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
