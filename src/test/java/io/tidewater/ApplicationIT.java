package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.HeadlessChromium;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged application end to end: start, health, live reload, SIGTERM, and restart after kill -9 on the same ./data. */
class ApplicationIT {

    @TempDir
    Path dir;

    @Test
    void runsReloadsStopsAndRestartsWithoutLosingEvents() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.rate", "200").start();

            // Health UP and growing fact_call rows within 90 s of start.
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));
            await().atMost(Duration.ofSeconds(60)).until(() -> factCalls(app, null) > 0);
            long first = factCalls(app, null);

            // The console is for people: Tidewater's own lines and warnings that need action. Third-party configuration
            // dumps and repeated harmless warnings are in data/tidewater.log only.
            await().atMost(Duration.ofSeconds(30)).until(() -> app.log().contains("events in"));
            String console = app.log();
            for (String own : List.of("Tidewater started in", "Connect with:", "psql -h localhost", "kcat -b localhost", "rows written")) {
                assertTrue(console.contains(own), () -> "missing on the console: " + own + "\n" + console);
            }
            for (String noise : List.of("Starting PostgresConnectorTask with configuration", "is already mapped", "[application.properties]",
                    "internal converter properties", "Initialising Hawtio", "org.apache.catalina", "Apache Camel 4.17.0 (tidewater) started")) {
                assertFalse(console.contains(noise), () -> "on the console: " + noise + "\n" + around(console, noise));
            }
            String file = Files.readString(app.workDir().resolve("data/tidewater.log"));
            for (String kept : List.of("Starting PostgresConnectorTask with configuration", "[application.properties]", "Tidewater started in")) {
                assertTrue(file.contains(kept), () -> "missing in data/tidewater.log: " + kept);
            }

            // Hawtio, started with the app in embedded mode, shows the Camel routes and our MBeans in a real browser.
            try (HeadlessChromium browser = HeadlessChromium.start()) {
                browser.navigate("http://localhost:" + app.hawtioPort + "/");
                List<String> routes = List.of("capture-crm", "capture-sales", "cdc-customers", "cdc-orders", "events-calls",
                        "events-shipping", "flow-lookup", "load-dead-letters");
                await().atMost(Duration.ofSeconds(60)).until(() -> routes.stream().allMatch(browser.text()::contains));
                browser.screenshot(Path.of("target", "hawtio-screenshots", "camel-routes.png"));
                // The route statistics table of the "routes" folder.
                browser.evaluate("[...document.querySelectorAll('span')].find(e => e.textContent.trim() === 'routes').click()");
                await().atMost(Duration.ofSeconds(30)).until(() -> browser.text().contains("Total"));
                browser.screenshot(Path.of("target", "hawtio-screenshots", "camel-route-statistics.png"));
                // Our MBeans in the JMX tree: domain tidewater, with the pipeline and the cache.
                browser.evaluate("[...document.querySelectorAll('a')].find(e => e.textContent.trim() === 'JMX').click()");
                await().atMost(Duration.ofSeconds(30)).until(() -> browser.text().contains("java.lang"));
                browser.evaluate("[...document.querySelectorAll('button')].find(e => e.textContent.trim() === 'Expand all').click()");
                await().atMost(Duration.ofSeconds(30)).until(() -> browser.text().contains("pipeline")
                        && browser.text().contains("customers") && browser.text().contains("load"));
                browser.screenshot(Path.of("target", "hawtio-screenshots", "jmx-tidewater.png"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> factCalls(app, null) > first);

            // Live reload of one flow file: the flow's consumer route starts again; the process and the context stay up.
            long pid = app.pid();
            String startedAt = jolokia(app, "org.apache.camel:context=tidewater,type=routes,name=%22events-calls%22/StartTimestamp");
            Path route = app.workDir().resolve("routes/events-calls.camel.yaml");
            // Written aside and moved in one step, as editors save, so the watcher never sees a half-written file.
            Path edited = app.workDir().resolve("events-calls.edited");
            Files.writeString(edited, Files.readString(route).replace("agent_id: {field: agentId, type: text}",
                    "agent_id: {field: agentId, type: text, expression: lower(agent_id)}"));
            Files.move(edited, route, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                String now = jolokia(app, "org.apache.camel:context=tidewater,type=routes,name=%22events-calls%22/StartTimestamp");
                return !now.isEmpty() && !now.equals(startedAt);
            });
            assertTrue(app.isAlive());
            assertEquals(pid, app.pid());
            long afterReload = factCalls(app, null);
            await().atMost(Duration.ofSeconds(30)).until(() -> factCalls(app, null) > afterReload);

            // SIGTERM: stops within 30 s, with no stack trace in the log, and takes PostgreSQL down with it.
            long beforeStop = factCalls(app, null);
            int logBeforeStop = app.log().length();
            double seconds = app.terminate(Duration.ofSeconds(30));
            assertTrue(seconds < 30, "stopped in " + seconds + " s");
            String shutdownLog = app.log().substring(logBeforeStop);
            assertFalse(shutdownLog.contains("\tat "), () -> "stack trace while stopping:\n" + around(shutdownLog, "\tat "));
            assertFalse(shutdownLog.contains(" ERROR "), () -> "error while stopping:\n" + around(shutdownLog, " ERROR "));
            assertEquals(-1, factCalls(app, null), "PostgreSQL should stop with the application");

            // Second start, demo off: the data under ./data is reused.
            app.setProperty("tidewater.demo.enabled", "false").start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));
            assertTrue(factCalls(app, null) >= beforeStop);

            // Events produced just before a kill -9 are in Kafka after the restart and reach the EDW.
            String marker = "kill9-" + UUID.randomUUID().toString().substring(0, 8);
            app.produceCalls(marker, 500, i -> i);
            app.kill();
            app.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));
            await().atMost(Duration.ofSeconds(60)).until(() -> factCalls(app, marker) == 500);
        }
    }

    /** The log lines around the first occurrence of what, so a failure shows the cause rather than the whole log. */
    private static String around(String log, String what) {
        int at = log.indexOf(what);
        int from = at;
        for (int lines = 0; from > 0 && lines < 5; lines++) {
            from = log.lastIndexOf('\n', from - 1);
        }
        return log.substring(Math.max(0, from), Math.min(log.length(), at + 4000));
    }

    private static String jolokia(AppProcess app, String path) {
        String body = app.get("/observe/jolokia/read/" + path);
        int i = body.indexOf("\"value\":");
        return i < 0 ? "" : body.substring(i + 8, body.indexOf(',', i) < 0 ? body.length() : body.indexOf(',', i));
    }

    /** Rows in edw.fact_call (optionally for one agent), or -1 while the database does not answer. */
    private static long factCalls(AppProcess app, String agent) {
        return agent == null ? app.warehouseLong("SELECT count(*) FROM edw.fact_call")
                : app.warehouseLong("SELECT count(*) FROM edw.fact_call WHERE agent_id = ?", agent);
    }
}
