/**
 * Remote workers: {@link dev.procpool.WorkerType#REMOTE} workers run in worker JVMs on another host,
 * started by a {@code procpool worker-server} ({@link dev.procpool.remote.WorkerServer}); the
 * controller reaches it as {@link dev.procpool.remote.RemoteOptions} say (address, shared token,
 * TLS, the classes allowed back). A {@link dev.procpool.remote.RemoteCommand} runs a plain command
 * (no JVM) on such a server, as {@code procpool run -S} does. See docs/security.md for the threat
 * model.
 *
 * <pre>{@code
 * RemoteOptions remote = RemoteOptions.builder("build-box.example.com", 7070)
 *     .tokenFile(Path.of("/etc/procpool/token")).build();
 * try (Worker<String> w = Workers.start(WorkerType.REMOTE, () -> InetAddress.getLocalHost().getHostName(),
 *         WorkerOptions.builder().remote(remote).build())) {
 *     w.await(Duration.ofSeconds(30));
 *     System.out.println(w.result());
 * }
 * }</pre>
 */
package dev.procpool.remote;
