package io.tidewater.replay;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.Infrastructure;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.ops.OpsHost;

/**
 * What {@code tidewater replay} and {@code tidewater redrive} (picocli options, see Cli) ask a running Tidewater through
 * its Jolokia endpoint: the JMX operation replay or redrive of tidewater:type=replay, then, with --wait, its Replays
 * attribute until the replay is done. Exit codes: 0 started (or done), 1 refused or failed.
 */
public final class ReplayCli {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final String user;
    private final String password;
    private final PrintStream out;
    private final PrintStream err;

    /** url: the Jolokia endpoint, or null for this host's (camel.management.port); the login is the operator's. */
    public ReplayCli(String url, TidewaterConfig config, PrintStream out, PrintStream err) {
        this.url = url != null ? url : OpsHost.localJolokiaUrl(config, Infrastructure.embedded(config));
        this.user = config.get(Keys.OPS_USERNAME);
        this.password = config.get(Keys.OPS_PASSWORD);
        this.out = out;
        this.err = err;
    }

    /**
     * Asks for an operation of the replay MBean (replay: topics, partitions, from, to, mode; redrive: the same without
     * mode), prints its answer, and with wait follows it until it is done.
     */
    public int request(String operation, List<Object> arguments, boolean wait) {
        String what = operation.equals("redrive") ? "Re-drive" : "Replay";
        try {
            JsonNode reply = post(Map.of("type", "exec", "mbean", ReplayService.MBEAN, "operation", operation, "arguments", arguments));
            if (reply.path("status").asInt() != 200) {
                err.println(what + " refused: " + error(reply));
                return 1;
            }
            String answer = reply.path("value").asText();
            out.println(answer);
            return wait ? follow(answer.replaceAll("^Replay (\\d+) .*", "$1")) : 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            err.println("Cannot reach Tidewater at " + url + ": " + e.getMessage());
            return 1;
        }
    }

    /** Prints the replay's line every 2 s until it is no longer running: 0 when it is done, 1 when it failed. */
    private int follow(String id) throws Exception {
        while (true) {
            JsonNode replays = post(Map.of("type", "read", "mbean", ReplayService.MBEAN, "attribute", "Replays")).path("value");
            for (JsonNode line : replays) {
                String text = line.asText();
                if (text.startsWith("replay " + id + " ")) {
                    out.println(text);
                    if (!text.startsWith("replay " + id + " RUNNING")) {
                        return text.startsWith("replay " + id + " DONE") ? 0 : 1;
                    }
                }
            }
            Thread.sleep(2000);
        }
    }

    private JsonNode post(Map<String, Object> body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (!password.isBlank()) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401) {
            throw new IllegalStateException("401 Unauthorized: set TIDEWATER_OPS_PASSWORD (user " + user + ")");
        }
        return JSON.readTree(response.body());
    }

    /** Jolokia's error text without the exception class in front. */
    private static String error(JsonNode reply) {
        String e = reply.path("error").asText("status " + reply.path("status").asText());
        int colon = e.indexOf(" : ");
        return colon > 0 ? e.substring(colon + 3) : e;
    }
}
