package dev.procpool.internal;

import dev.procpool.OutputHandler;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The main of a worker server started by {@code WorkerServer.spawn} or {@code overSsh}:
 * {@code --listen HOST:PORT [--tls-keystore PATH] [--classpath CP] [--max-workers N]}. Secrets come on stdin, never on the command
 * line: the token on the first line, the key store password on the second (with TLS). The server
 * runs until stdin ends, so it stops when the process (or the ssh session) that started it goes.
 * Prints {@code procpool worker-server listening on HOST:PORT} once it accepts connections.
 */
public final class RemoteServerMain {
    /** The line that tells the starter where the server listens. */
    public static final String READY = "procpool worker-server listening on ";

    private RemoteServerMain() {
    }

    public static void main(String[] args) throws IOException {
        String listen = null;
        Path keyStore = null;
        List<String> classpath = new java.util.ArrayList<>();
        int maxWorkers = RemoteServer.Settings.defaultMaxWorkers();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--listen" -> listen = args[++i];
                case "--tls-keystore" -> keyStore = Path.of(args[++i]);
                case "--classpath" -> classpath.add(args[++i]);
                case "--max-workers" -> maxWorkers = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("procpool worker-server: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String token = stdin.readLine();
        if (token == null || listen == null) {
            System.err.println("procpool worker-server: needs --listen HOST:PORT and the token on stdin");
            System.exit(2);
        }
        javax.net.ssl.SSLContext tls = null;
        if (keyStore != null) {
            String password = stdin.readLine();
            tls = dev.procpool.remote.WorkerServerOptions.builder().listen("127.0.0.1:0")
                    .token(dev.procpool.Token.of(token))
                    .tls(keyStore, password == null ? new char[0] : password.toCharArray()).build().sslContext().orElseThrow();
        }
        RemoteServer server;
        try {
            dev.procpool.remote.WorkerServerOptions.Builder b = dev.procpool.remote.WorkerServerOptions.builder()
                    .listen("127.0.0.1:0").token(dev.procpool.Token.of(token)).maxWorkers(maxWorkers);
            classpath.forEach(b::classpath);
            dev.procpool.remote.WorkerServerOptions checked = b.build();
            server = new RemoteServer(parse(listen), checked.token().bytes(), tls, OutputHandler.prefixed(),
                    line -> System.err.println("procpool worker-server: " + line), checked.settings());
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("procpool worker-server: cannot listen on " + listen + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        InetSocketAddress a = server.address();
        System.out.println(READY + a.getHostString() + ":" + a.getPort());
        System.out.flush();
        while (stdin.read() >= 0) {
            // input after the secrets is ignored; its end stops the server
        }
        server.close();
        System.exit(0);
    }

    /** {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code :PORT} (all interfaces). */
    public static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + hostPort + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + hostPort + "'");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /** The command that starts this main: java, classpath, arguments. */
    public static List<String> command(String java, String classpath, String listen, Path keyStore,
            List<String> workerClasspath, int maxWorkers) {
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-cp", classpath, RemoteServerMain.class.getName(),
                "--listen", listen, "--max-workers", Integer.toString(maxWorkers)));
        if (keyStore != null) {
            cmd.add("--tls-keystore");
            cmd.add(keyStore.toString());
        }
        if (!workerClasspath.isEmpty()) {
            cmd.add("--classpath");
            cmd.add(String.join(File.pathSeparator, workerClasspath));
        }
        return cmd;
    }

    /** Shell-quotes a command for ssh, which hands the remote side one string. */
    public static String shell(List<String> command) {
        StringBuilder sb = new StringBuilder();
        for (String c : command) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(LaunchCommand.quote(c));
        }
        return sb.toString();
    }
}
