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
 * {@code tidewater replay} and {@code tidewater redrive}: ask a running Tidewater for a replay, or for a re-drive of
 * dead letters, through its Jolokia endpoint (the JMX operations replay and redrive of tidewater:type=replay), print the
 * answer, and with --wait follow it until it is done. Exit codes: 0 started (or done), 1 refused or failed, 2 bad usage.
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

    static final String REDRIVE_USAGE = String.join(System.lineSeparator(),
            "Usage: tidewater redrive --topic <topic>[,<topic>...] [--from <offset|time|beginning>] [--to <offset|time>]",
            "                         [--partition <n>[,<n>...]] [--wait] [--url <jolokia url>]",
            "  Re-applies the records of <topic>.dlq (by default all of them) through <topic>'s flow, once the cause is",
            "  fixed; those that fail again go back to <topic>.dlq with tidewater.redrive.count one higher.",
            "  --from, --to   offsets or ISO-8601 times in <topic>.dlq",
            "  --wait         follow the re-drive's progress until it is done");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReplayCli() {
    }

    public static int run(List<String> args, TidewaterConfig config, PrintStream out, PrintStream err) {
        return run(false, args, config, out, err);
    }

    public static int redrive(List<String> args, TidewaterConfig config, PrintStream out, PrintStream err) {
        return run(true, args, config, out, err);
    }

    private static int run(boolean redrive, List<String> args, TidewaterConfig config, PrintStream out, PrintStream err) {
        String usage = redrive ? REDRIVE_USAGE : USAGE;
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--wait" -> opts.put(a, "true");
                case "--side" -> {
                    if (redrive) {
                        err.println("Unknown option '" + a + "'" + System.lineSeparator() + usage);
                        return 2;
                    }
                    opts.put(a, "true");
                }
                case "--topic", "--from", "--to", "--partition", "--url" -> {
                    if (i + 1 >= args.size()) {
                        err.println(a + " needs a value" + System.lineSeparator() + usage);
                        return 2;
                    }
                    opts.put(a, args.get(++i));
                }
                default -> {
                    err.println("Unknown option '" + a + "'" + System.lineSeparator() + usage);
                    return 2;
                }
            }
        }
        if (!opts.containsKey("--topic") || (!redrive && !opts.containsKey("--from"))) {
            err.println((redrive ? "--topic is required" : "--topic and --from are required") + System.lineSeparator() + usage);
            return 2;
        }
        String url = opts.getOrDefault("--url", OpsHost.localJolokiaUrl(config, Infrastructure.embedded(config)));
        String user = config.get(Keys.OPS_USERNAME, "operator");
        String password = config.get(Keys.OPS_PASSWORD, "");
        List<Object> arguments = new ArrayList<>(List.of(opts.get("--topic"), opts.getOrDefault("--partition", ""),
                opts.getOrDefault("--from", ""), opts.getOrDefault("--to", "")));
        if (!redrive) {
            arguments.add(opts.containsKey("--side") ? "side" : "live");
        }
        try {
            JsonNode reply = post(url, user, password, Map.of("type", "exec", "mbean", ReplayService.MBEAN,
                    "operation", redrive ? "redrive" : "replay", "arguments", arguments));
            if (reply.path("status").asInt() != 200) {
                err.println((redrive ? "Re-drive" : "Replay") + " refused: " + error(reply));
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
