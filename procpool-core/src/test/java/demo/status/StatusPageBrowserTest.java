package demo.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaskHandle;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.status.StatusServer;
import dev.procpool.testing.Deadlines;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: headless Chromium (Debian's {@code chromium}, which
 * {@code .ci/run} installs) driven over the DevTools protocol with the JDK's WebSocket client.
 * Fails, never skips, when Chromium is missing. Leaves {@code target/status-page.png} for a person
 * to look at.
 */
@Tag("jvm")
@Tag("browser")
class StatusPageBrowserTest {

    @Test
    void thePageShowsTheStuckWorkerWithAGrowingAgeAndAFailuresStackOnClick(@TempDir Path dir) throws Exception {
        Path chromium = findChromium();
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(PoolOptions.builder().name("overnight").maxWorkers(2).workerTypes(WorkerType.PROCESS)
                .workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build()).build());
             StatusServer server = StatusServer.start(pool)) {
            TaskHandle<String> stuck = pool.submit(PoolStatusTest.waitFor(gate));
            TaskHandle<Object> bad = pool.submit(PoolStatusTest.failing());
            await().atMost(Deadlines.LONG).until(() -> bad.state().isTerminal()
                    && pool.status().workers().stream().anyMatch(w -> w.currentTaskId().isPresent()));

            Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + dir.resolve("profile"), "--remote-debugging-port=0",
                    "--window-size=1400,1000", "about:blank")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
            try (Cdp cdp = Cdp.connect(dir.resolve("profile"), browser)) {
                cdp.call("Page.enable", "{}");
                cdp.call("Page.navigate", "{\"url\":\"" + server.uri() + "\"}");

                String row = "document.querySelector('tr.worker td.task')";
                String stuckRow = "[...document.querySelectorAll('tr.worker')].find(r => r.querySelector('td.task').textContent === '"
                        + stuck.id() + "')";
                await().atMost(Deadlines.LONG).until(() -> !cdp.eval("String(!!(" + stuckRow + "))").equals("false"));
                assertThat(cdp.eval(row + " !== null")).isEqualTo("true");
                assertThat(cdp.eval(stuckRow + ".className")).isEqualTo("worker state-BUSY");
                assertThat(cdp.eval(stuckRow + ".querySelector('.state').textContent")).isEqualTo("BUSY");
                assertThat(cdp.eval(stuckRow + ".querySelector('td.pid').textContent")).matches("\\d+");
                assertThat(cdp.eval(stuckRow + ".querySelector('td.rss').textContent")).endsWith("MiB");
                long age1 = Long.parseLong(cdp.eval(stuckRow + ".querySelector('td.age').dataset.ms"));
                String shown1 = cdp.eval(stuckRow + ".querySelector('td.age').textContent");
                await().atMost(Deadlines.SHORT).until(() ->
                        Long.parseLong(cdp.eval(stuckRow + ".querySelector('td.age').dataset.ms")) >= age1 + 1000);
                assertThat(cdp.eval(stuckRow + ".querySelector('td.age').textContent")).isNotEqualTo(shown1).endsWith(" s");

                String failure = "document.querySelector('li.failure[data-task=\"" + bad.id() + "\"]')";
                await().atMost(Deadlines.SHORT).until(() -> cdp.eval("String(!!" + failure + ")").equals("true"));
                assertThat(cdp.eval(failure + ".querySelector('.what').textContent"))
                        .isEqualTo("java.lang.IllegalStateException: boom in the worker");
                assertThat(cdp.eval("getComputedStyle(" + failure + ".querySelector('pre.stack')).display")).isEqualTo("none");
                // a real click, where a person would click: the middle of the failure's summary line
                String[] xy = cdp.eval("(() => { const r = " + failure + ".querySelector('.summary').getBoundingClientRect();"
                        + " return (r.x + r.width / 2) + ',' + (r.y + r.height / 2); })()").split(",");
                cdp.click(Double.parseDouble(xy[0]), Double.parseDouble(xy[1]));
                await().atMost(Deadlines.SHORT).until(() ->
                        cdp.eval("getComputedStyle(" + failure + ".querySelector('pre.stack')).display").equals("block"));
                String stack = cdp.eval(failure + ".querySelector('pre.stack').innerText");
                assertThat(stack).contains("boom in the worker").contains("at demo.status.PoolStatusTest");
                // it stays open across the next refreshes
                long refreshed = Long.parseLong(cdp.eval(stuckRow + ".querySelector('td.age').dataset.ms"));
                await().atMost(Deadlines.SHORT).until(() ->
                        Long.parseLong(cdp.eval(stuckRow + ".querySelector('td.age').dataset.ms")) > refreshed);
                assertThat(cdp.eval("getComputedStyle(" + failure + ".querySelector('pre.stack')).display")).isEqualTo("block");

                Path shot = Path.of("target", "status-page.png");
                Files.createDirectories(shot.getParent());
                String png = Cdp.string(cdp.call("Page.captureScreenshot", "{\"format\":\"png\",\"captureBeyondViewport\":true}"),
                        "data");
                Files.write(shot, Base64.getDecoder().decode(png));
                assertThat(Files.size(shot)).isGreaterThan(10_000);
            } finally {
                stop(browser);
            }
            Files.createFile(gate);
            assertThat(stuck.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo("released");
        }
    }

    /** Chromium and every process it started (renderer, zygote, GPU), by pid. */
    private static void stop(Process browser) throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(browser.descendants().toList());
        browser.destroy();
        all.forEach(ProcessHandle::destroy);
        if (!browser.waitFor(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)) {
            browser.destroyForcibly();
        }
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    private static Path findChromium() {
        for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
                Path p = Path.of(dirName, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new AssertionError("Chromium is not installed: this test needs Debian's `chromium` "
                + "(apt-get install chromium; bash .ci/run installs it)");
    }

    /** A minimal DevTools protocol client: numbered calls, each answered once; events are ignored. */
    private static final class Cdp implements AutoCloseable, WebSocket.Listener {
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Cdp connect(Path profile, Process browser) throws Exception {
            Path active = profile.resolve("DevToolsActivePort");
            await().atMost(Deadlines.LONG).until(() -> {
                if (!browser.isAlive()) {
                    throw new AssertionError("chromium exited with " + browser.exitValue());
                }
                return Files.exists(active) && Files.readAllLines(active).size() >= 2;
            });
            int port = Integer.parseInt(Files.readAllLines(active).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String targets = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("\"type\"\\s*:\\s*\"page\"[^}]*?\"webSocketDebuggerUrl\"\\s*:\\s*\"([^\"]+)\"").matcher(targets);
            Matcher any = Pattern.compile("\"webSocketDebuggerUrl\"\\s*:\\s*\"(ws://[^\"]+/page/[^\"]+)\"").matcher(targets);
            String ws = m.find() ? m.group(1) : any.find() ? any.group(1) : null;
            assertThat(ws).as("a page target in %s", targets).isNotNull();
            Cdp cdp = new Cdp();
            cdp.socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), cdp).get(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS);
            return cdp;
        }

        String call(String method, String params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<String> answer = new CompletableFuture<>();
            pending.put(id, answer);
            socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true)
                    .get(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS);
            String reply = answer.get(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS);
            if (reply.contains("\"error\":{")) {
                throw new AssertionError(method + " failed: " + reply);
            }
            return reply;
        }

        /** Evaluates an expression in the page; its value as a string. */
        String eval(String expression) throws Exception {
            String reply = call("Runtime.evaluate", "{\"expression\":" + quote("String(" + expression + ")")
                    + ",\"returnByValue\":true}");
            if (reply.contains("\"exceptionDetails\"")) {
                throw new AssertionError("the page threw evaluating " + expression + ": " + reply);
            }
            return string(reply, "value");
        }

        void click(double x, double y) throws Exception {
            for (String type : List.of("mouseMoved", "mousePressed", "mouseReleased")) {
                call("Input.dispatchMouseEvent", "{\"type\":\"" + type + "\",\"x\":" + x + ",\"y\":" + y
                        + (type.equals("mouseMoved") ? "" : ",\"button\":\"left\",\"clickCount\":1") + "}");
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String msg = partial.toString();
                partial.setLength(0);
                Matcher m = Pattern.compile("^\\{\"id\":(\\d+),").matcher(msg);
                if (m.find()) {
                    Optional.ofNullable(pending.remove(Integer.parseInt(m.group(1)))).ifPresent(f -> f.complete(msg));
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public void close() {
            socket.abort();
        }

        static String quote(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        }

        /** The first string value of {@code "key"} in a JSON reply, unescaped. */
        static String string(String json, String key) {
            Matcher m = Pattern.compile("\"" + key + "\":\"((?:[^\"\\\\]++|\\\\.)*+)\"").matcher(json);
            if (!m.find()) {
                throw new AssertionError("no string \"" + key + "\" in " + json);
            }
            String raw = m.group(1);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = raw.charAt(++i);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(raw.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            }
            return sb.toString();
        }
    }
}
