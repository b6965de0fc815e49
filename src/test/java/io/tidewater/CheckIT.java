package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.tidewater.testing.AppProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, point 5: ./tidewater check, and --help on every command, from the packaged application. */
class CheckIT {

    @TempDir
    Path dir;

    @Test
    void checkNamesFileAndLineOfEveryProblemAndTheTablesOfARunningWarehouse() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            for (String command : List.of("run", "check", "replay", "redrive", "hawtio")) {
                AppProcess.Response help = app.runCommand(command, "--help");
                assertEquals(0, help.status(), help.body());
                assertTrue(help.body().contains("Usage: tidewater " + command), help.body());
            }
            AppProcess.Response top = app.runCommand("--help");
            assertTrue(top.body().contains("check") && top.body().contains("redrive"), top.body());

            AppProcess.Response ok = app.runCommand("check");
            assertEquals(0, ok.status(), ok.body());
            assertTrue(ok.body().contains("OK: application.properties"), ok.body());

            // A route that Camel's schema refuses, and a flow with a type it does not know: both named by file and line.
            Path bad = app.workDir().resolve("bad-routes");
            Files.createDirectories(bad);
            Files.writeString(bad.resolve("broken.camel.yaml"), "- route:\n    id: broken\n    from:\n      uri: timer:x\n      stepz: []\n");
            Files.writeString(bad.resolve("events-calls.camel.yaml"), Files.readString(Path.of("routes/events-calls.camel.yaml"))
                    .replace("agent_id: {field: agentId, type: text}", "agent_id: {field: agentId, type: txt}"));
            int typeLine = Files.readAllLines(bad.resolve("events-calls.camel.yaml")).indexOf("          agent_id: {field: agentId, type: txt}") + 1;
            AppProcess.Response broken = app.runCommand("check", "--routes", bad.toString());
            assertEquals(1, broken.status(), broken.body());
            assertTrue(broken.body().contains(bad.resolve("broken.camel.yaml") + ":5: not valid Camel YAML DSL"), broken.body());
            assertTrue(broken.body().contains(bad.resolve("events-calls.camel.yaml") + ":" + typeLine
                    + ": flow 'events-calls', column 'agent_id': unknown type 'txt'"), broken.body());

            // With the warehouse answering (a running Tidewater), a declaration that its table contradicts.
            app.setProperty("tidewater.demo.enabled", "false").start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));
            Path mismatch = app.workDir().resolve("mismatch-routes");
            Files.createDirectories(mismatch);
            for (String f : List.of("cdc-customers.camel.yaml", "events-calls.camel.yaml")) {
                Files.writeString(mismatch.resolve(f), Files.readString(Path.of("routes", f))
                        .replace("duration_sec: {field: durationSec, type: int, min: 0, max: 86400}", "duration_sec: {field: durationSec, type: text}"));
            }
            AppProcess.Response tables = app.runCommand("check", "--routes", mismatch.toString());
            assertEquals(1, tables.status(), tables.body());
            assertTrue(tables.body().contains("flow 'events-calls', column 'duration_sec': declared text, but fact_call.duration_sec is integer"),
                    tables.body());
            AppProcess.Response running = app.runCommand("check");
            assertEquals(0, running.status(), running.body());
            assertTrue(running.body().contains("warehouse tables checked"), running.body());
        }
    }
}
