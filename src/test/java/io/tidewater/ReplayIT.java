package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay in the packaged application with demo traffic running: the mapping of a YAML route is changed while it runs,
 * a replay from time T by the CLI rewrites exactly the calls after T, a side replay by offset is asked for over
 * Jolokia HTTP (the JMX operation), and a bad request through the CLI is refused with its reason.
 */
class ReplayIT {

    private static final String MAPPING = "outcome: {field: outcome, type: text, values: \"resolved,escalated,dropped\"}";
    private static final String NEW_MAPPING = "outcome: {field: outcome, type: text, values: \"resolved,escalated,dropped\", expression: upper(outcome)}";

    @TempDir
    Path dir;

    @Test
    void changedMappingThenReplayFromTimeRewritesOnlyTheCallsAfterIt() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.rate", "100").setProperty("tidewater.replay.progress-interval-ms", "500").start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));

            String run = UUID.randomUUID().toString().substring(0, 8);
            app.produceCalls("before-" + run, 300, i -> 1 + i % 50);
            await().atMost(Duration.ofSeconds(60)).until(() -> calls(app, "before-" + run, "resolved") == 300);
            Instant t = Instant.now();
            app.produceCalls("after-" + run, 300, i -> 1 + i % 50);
            await().atMost(Duration.ofSeconds(60)).until(() -> calls(app, "after-" + run, "resolved") == 300);

            // The mapping of fact_call.outcome changes in the flow declaration while the application runs.
            Path route = app.workDir().resolve("routes/events-calls.camel.yaml");
            String yaml = Files.readString(route);
            assertTrue(yaml.contains(MAPPING), "the mapping line to edit");
            Path edited = app.workDir().resolve("events-calls.edited");
            String started = app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22events-calls%22/StartTimestamp");
            Files.writeString(edited, yaml.replace(MAPPING, NEW_MAPPING));
            Files.move(edited, route, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // The flow's routes start again with the new declaration.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                String now = app.get("/observe/jolokia/read/org.apache.camel:context=tidewater,type=routes,name=%22events-calls%22/StartTimestamp");
                return now.contains("\"status\":200") && !now.equals(started);
            });

            // The CLI asks the running application for a live replay from T and follows it to the end.
            AppProcess.Response cli = app.runCommand("replay", "--topic", "events.callcenter.calls", "--from", t.toString(), "--wait");
            assertEquals(0, cli.status(), cli.body());
            assertTrue(cli.body().contains("live replay of events.callcenter.calls"), cli.body());
            assertTrue(cli.body().contains("DONE"), cli.body());
            await().atMost(Duration.ofSeconds(60)).until(() -> calls(app, "after-" + run, "RESOLVED") == 300);
            assertEquals(300, calls(app, "before-" + run, "resolved"), "rows before T keep the old mapping");
            assertEquals(0, calls(app, "before-" + run, "RESOLVED"));
            assertEquals(0L, aggregateDifferences(app), "agg_calls_hourly equals its recomputation");

            // A side replay by offset on one partition, asked for over Jolokia HTTP, stops at its end by itself.
            String answer = jolokiaExec(app, "[\"events.callcenter.calls\",\"0\",\"0\",\"40\",\"side\"]");
            assertTrue(answer.contains("\"status\":200") && answer.contains("side replay of events.callcenter.calls [0: 0..40), 40 records"), answer);
            await().atMost(Duration.ofSeconds(60)).until(() -> app.get("/observe/jolokia/read/tidewater:type=replay/Replays")
                    .contains("replay 2 DONE: 40 done, 0 remaining"));

            // A bad request through the CLI is refused with its reason.
            AppProcess.Response bad = app.runCommand("replay", "--topic", "no.such.topic", "--from", "beginning");
            assertEquals(1, bad.status(), bad.body());
            assertTrue(bad.body().contains("unknown topic 'no.such.topic'"), bad.body());
            AppProcess.Response past = app.runCommand("replay", "--topic", "events.callcenter.calls", "--partition", "0",
                    "--from", "99999999");
            assertEquals(1, past.status(), past.body());
            assertTrue(past.body().contains("is past the end"), past.body());

            // Issue 11, point 10: a call the warehouse refuses is dead-lettered; the CLI re-drives the dead letters and
            // follows the re-drive; it fails again, so it is back in the dead-letter topic with a re-drive count.
            String bootstrap = "localhost:" + app.kafkaPort;
            app.produce("events.callcenter.calls", "nul", "{\"eventId\":\"" + UUID.randomUUID() + "\",\"type\":\"call.completed\","
                    + "\"customerId\":1,\"agentId\":\"a\\u0000b\",\"startedAt\":\"2026-11-24T08:00:00Z\",\"durationSec\":60,"
                    + "\"outcome\":\"resolved\"}");
            assertEquals(1, Topics.readAll(bootstrap, "events.callcenter.calls.dlq", 1, Duration.ofSeconds(60)).size());
            AppProcess.Response redrive = app.runCommand("redrive", "--topic", "events.callcenter.calls", "--wait");
            assertEquals(0, redrive.status(), redrive.body());
            assertTrue(redrive.body().contains("redrive of events.callcenter.calls.dlq") && redrive.body().contains("DONE"), redrive.body());
            var dlq = Topics.readAll(bootstrap, "events.callcenter.calls.dlq", 2, Duration.ofSeconds(60));
            assertEquals(2, dlq.size());
            assertTrue(dlq.stream().anyMatch(r -> r.headers().lastHeader("tidewater.redrive.count") != null
                    && new String(r.headers().lastHeader("tidewater.redrive.count").value()).equals("1")), "re-driven once");
        }
    }

    private static String jolokiaExec(AppProcess app, String arguments) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + app.managementPort + "/observe/jolokia"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"type\":\"exec\",\"mbean\":\"tidewater:type=replay\","
                        + "\"operation\":\"replay\",\"arguments\":" + arguments + "}")).build();
        return java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long calls(AppProcess app, String agent, String outcome) {
        return app.warehouseLong("SELECT count(*) FROM edw.fact_call WHERE agent_id = ? AND outcome = ?", agent, outcome);
    }

    private static long aggregateDifferences(AppProcess app) {
        String recompute = "SELECT date_trunc('hour', f.started_at, 'UTC') AS hour, coalesce(d.region, 'unknown') AS region, "
                + "coalesce(d.segment, 'unknown') AS segment, count(*) AS calls, sum(f.duration_sec) AS total_duration_sec "
                + "FROM edw.fact_call f LEFT JOIN edw.dim_customer d ON d.customer_key = f.customer_key GROUP BY 1, 2, 3";
        String agg = "SELECT hour, region, segment, calls, total_duration_sec FROM edw.agg_calls_hourly";
        // Demo traffic keeps loading: compare in one snapshot.
        return app.warehouseLong("SELECT (SELECT count(*) FROM ((" + agg + ") EXCEPT (" + recompute + ")) a)"
                + " + (SELECT count(*) FROM ((" + recompute + ") EXCEPT (" + agg + ")) b)");
    }

}
