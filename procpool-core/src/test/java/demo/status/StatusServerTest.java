package demo.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaskHandle;
import dev.procpool.WorkerType;
import dev.procpool.status.StatusServer;
import dev.procpool.testing.Deadlines;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The status server over HTTP: what it serves, and to whom. Thread workers: no child JVM. */
class StatusServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(URI uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageItsJsonAndTheTextTableOnLoopbackWithoutAToken() throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder().name("web").maxWorkers(1).workerTypes(WorkerType.THREAD).build());
             StatusServer server = StatusServer.start(pool)) {
            TaskHandle<Integer> t = pool.submit(() -> 6 * 7);
            assertThat(t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(server.uri().toString()).isEqualTo("http://127.0.0.1:" + server.port() + "/");
            assertThat(server.token()).isEmpty();

            HttpResponse<String> page = get(server.uri());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("<title>procpool status</title>").doesNotContain("src=\"http", "href=\"http");

            HttpResponse<String> json = get(server.uri().resolve("/status.json"));
            assertThat(json.statusCode()).isEqualTo(200);
            assertThat(json.body()).contains("\"name\":\"web\"", "\"kind\":\"pool\"", "\"completed\":1", "\"type\":\"THREAD\"",
                    "\"pid\":null", "\"rss\":null");

            HttpResponse<String> text = get(server.uri().resolve("/status.txt?width=100"));
            assertThat(text.body()).contains("web (pool)", "1 done", "WORKER");
            assertThat(text.body().lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));

            // a page elsewhere reaching this port through DNS rebinding names its own host
            assertThat(rawStatusLine(server.port(), "evil.example:" + server.port())).contains(" 401 ");
            assertThat(rawStatusLine(server.port(), "localhost:" + server.port())).contains(" 200 ");
            assertThat(get(server.uri().resolve("/nothing")).statusCode()).isEqualTo(404);
        }
    }

    /** The JDK's HTTP client will not send another Host header: a socket does. */
    private static String rawStatusLine(int port, String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(("GET /status.json HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void boundBeyondLoopbackItRequiresTheToken() throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder().maxWorkers(1).workerTypes(WorkerType.THREAD).build());
             StatusServer server = StatusServer.builder().bind(new InetSocketAddress(0)).source(pool::status).start()) {
            String token = server.token().orElseThrow();
            assertThat(token).hasSizeGreaterThanOrEqualTo(32);
            URI base = URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.port());
            assertThat(get(base.resolve("/status.json")).statusCode()).isEqualTo(401);
            assertThat(get(base.resolve("/status.json?token=wrong-wrong-wrong-wrong")).statusCode()).isEqualTo(401);
            assertThat(get(base.resolve("/status.json?token=" + token)).statusCode()).isEqualTo(200);
            assertThat(get(base.resolve("/status.json"), "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
            assertThat(server.uri().getQuery()).isEqualTo("token=" + token);
        }
    }

    @Test
    void refusesAShortToken() {
        assertThatThrownBy(() -> StatusServer.builder().token("short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 16");
    }

    @Test
    void showsSeveralPoolsAndOneAddedLater() throws Exception {
        try (Pool a = Pool.create(PoolOptions.builder().name("alpha").maxWorkers(1).workerTypes(WorkerType.THREAD).build());
             Pool b = Pool.create(PoolOptions.builder().name("beta").maxWorkers(1).workerTypes(WorkerType.THREAD).build());
             StatusServer server = StatusServer.builder().source(a::status).start()) {
            server.add(b::status);
            await().atMost(Deadlines.SHORT).until(() -> server.statuses().size() == 2);
            assertThat(get(server.uri().resolve("/status.json")).body()).contains("\"name\":\"alpha\"", "\"name\":\"beta\"");
        }
    }
}
