package io.tidewater.replay;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.Infrastructure;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.ops.OpsHost;

/**
 * {@code tidewater replay}: asks a running Tidewater for a replay through its Jolokia endpoint (the JMX operation
 * tidewater:type=replay/replay), prints the answer, and with --wait follows the replay until it is done.
 * Exit codes: 0 started (or done), 1 refused or failed, 2 bad usage.
 */
public final class ReplayCli {

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: tidewater replay --topic <topic>[,<topic>...] --from <offset|time|beginning>",
            "                        [--to <offset|time>] [--partition <n>[,<n>...]] [--side] [--wait]",
            "                        [--url <jolokia url>]",
            "  --from, --to   an offset, an ISO-8601 time (2026-11-24T10:00:00Z) or 'beginning' (from only)",
            "  --side         a separate consumer reads exactly the range and stops; by default the load itself rereads it",
            "  --wait         follow the replay's progress until it is done",
            "  --url          default http://localhost:<camel.management.port>/observe/jolokia; the login is",
            "                 tidewater.ops.username with TIDEWATER_OPS_PASSWORD when that is set");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReplayCli() {
    }

    public static int run(List<String> args, TidewaterConfig config, PrintStream out, PrintStream err) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--side", "--wait" -> opts.put(a, "true");
                case "--topic", "--from", "--to", "--partition", "--url" -> {
                    if (i + 1 >= args.size()) {
                        err.println(a + " needs a value" + System.lineSeparator() + USAGE);
                        return 2;
                    }
                    opts.put(a, args.get(++i));
                }
                default -> {
                    err.println("Unknown option '" + a + "'" + System.lineSeparator() + USAGE);
                    return 2;
                }
            }
        }
        if (!opts.containsKey("--topic") || !opts.containsKey("--from")) {
            err.println("--topic and --from are required" + System.lineSeparator() + USAGE);
            return 2;
        }
        String url = opts.getOrDefault("--url", "http://" + OpsHost.local(OpsHost.bind(config, Infrastructure.embedded(config))) + ":"
                + config.getPort("camel.management.port", 8081) + "/observe/jolokia");
        String user = config.get(Keys.OPS_USERNAME, "operator");
        String password = config.get(Keys.OPS_PASSWORD, "");
        List<Object> arguments = new ArrayList<>(List.of(opts.get("--topic"), opts.getOrDefault("--partition", ""),
                opts.get("--from"), opts.getOrDefault("--to", ""), opts.containsKey("--side") ? "side" : "live"));
        try {
            JsonNode reply = post(url, user, password, Map.of("type", "exec", "mbean", ReplayService.MBEAN,
                    "operation", "replay", "arguments", arguments));
            if (reply.path("status").asInt() != 200) {
                err.println("Replay refused: " + error(reply));
                return 1;
            }
            String answer = reply.path("value").asText();
            out.println(answer);
            if (!opts.containsKey("--wait")) {
                return 0;
            }
            String id = answer.replaceAll("^Replay (\\d+) .*", "$1");
            while (true) {
                JsonNode replays = post(url, user, password, Map.of("type", "read", "mbean", ReplayService.MBEAN,
                        "attribute", "Replays")).path("value");
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            err.println("Cannot reach Tidewater at " + url + ": " + e.getMessage());
            return 1;
        }
    }

    private static JsonNode post(String url, String user, String password, Map<String, Object> body) throws Exception {
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
