package io.tidewater.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Headless Chromium (the Debian package, /usr/bin/chromium) driven over the DevTools protocol: open a page, read its
 * rendered text, save a screenshot. Real network time passes, so pages that load data after their load event work.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending;

    private final List<String> console;

    private HeadlessChromium(Process process, Path profile, WebSocket socket, Map<Integer, CompletableFuture<JsonNode>> pending,
                             List<String> console) {
        this.console = console;
        this.process = process;
        this.profile = profile;
        this.socket = socket;
        this.pending = pending;
    }

    public static HeadlessChromium start() throws Exception {
        Path profile = Files.createTempDirectory("chromium-profile");
        Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1400,900", "about:blank")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String browserWs = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (String line; browserWs == null && System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                browserWs = m.group(1);
            }
        }
        if (browserWs == null) {
            p.destroyForcibly();
            throw new IllegalStateException("Chromium did not open its DevTools port (is the chromium package installed?)");
        }
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "chromium-output");
        drain.setDaemon(true);
        drain.start();
        URI browser = URI.create(browserWs);
        HttpClient http = HttpClient.newHttpClient();
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(
                URI.create("http://" + browser.getHost() + ":" + browser.getPort() + "/json/list")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        String pageWs = null;
        for (JsonNode t : targets) {
            if ("page".equals(t.path("type").asText())) {
                pageWs = t.path("webSocketDebuggerUrl").asText();
                break;
            }
        }
        if (pageWs == null) {
            p.destroyForcibly();
            throw new IllegalStateException("Chromium has no page target: " + targets);
        }
        Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        List<String> console = new CopyOnWriteArrayList<>();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageWs), new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    try {
                        JsonNode msg = JSON.readTree(text.toString());
                        if (msg.has("id")) {
                            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                            if (f != null) {
                                f.complete(msg);
                            }
                        } else if (msg.path("method").asText().startsWith("Runtime.")) {
                            console.add(msg.path("params").toString());
                        }
                    } catch (IOException e) {
                        // not a reply to us
                    }
                    text.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        HeadlessChromium chromium = new HeadlessChromium(p, profile, ws, pending, console);
        chromium.call("Runtime.enable", Map.of());
        return chromium;
    }

    private JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
                .get(10, TimeUnit.SECONDS);
        JsonNode msg = reply.get(30, TimeUnit.SECONDS);
        if (msg.has("error")) {
            throw new IllegalStateException(method + ": " + msg.get("error"));
        }
        return msg.path("result");
    }

    public void navigate(String url) throws Exception {
        call("Page.navigate", Map.of("url", url));
    }

    /** The rendered text of the page body ("" while there is none). */
    public String text() throws Exception {
        try {
            return evaluate("document.body ? document.body.innerText : ''");
        } catch (IllegalStateException e) {
            // The page is between two documents (a redirect or a navigation): nothing rendered yet.
            if (e.getMessage().contains("navigated or closed") || e.getMessage().contains("context")) {
                return "";
            }
            throw e;
        }
    }

    /** Evaluates a JavaScript expression in the page; returns its value as text. */
    public String evaluate(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        return r.path("result").path("value").asText("");
    }

    /** Console messages and uncaught exceptions of the page so far, for diagnosis. */
    public List<String> console() {
        return List.copyOf(console);
    }

    public void screenshot(Path file) throws Exception {
        JsonNode r = call("Page.captureScreenshot", Map.of("format", "png"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(r.path("data").asText()));
    }

    @Override
    public void close() throws Exception {
        socket.abort();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
