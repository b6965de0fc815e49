package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.CaptureFixture;
import io.tidewater.testing.JolokiaSweep;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, point 7: no secret is readable through management. Every attribute of every MBean and every operation of
 * every MBean is asked of the real Jolokia endpoints (the management port's, Hawtio's proxy to it, and Hawtio's own),
 * with the operator's login where there is one; no answer holds a configured password, the route dumps that can resolve
 * placeholders are refused, and /observe/* holds none either. A kill -9 leaves the operator password in no file.
 */
@ExtendWith(SharedInfrastructure.class)
class ManagementSecretsIT {

    private static final String OPERATOR = "operator";

    /** The dumps that may be answered: statistics, and the route model as written (what Hawtio draws its diagram from). */
    private static final Set<String> ANSWERED_DUMPS = Set.of("dumpRoutesAsXml()", "dumpRoutesStatsAsXml(boolean,boolean)",
            "dumpRouteStatsAsXml(boolean,boolean)");

    /** Dumps that resolve placeholders (or show templates, whose parameters are resolved later): always refused. */
    private static final Set<String> RESOLVING_DUMPS = Set.of("dumpRoutesAsXml(boolean)", "dumpRoutesAsXml(boolean,boolean)",
            "dumpRoutesAsXml(boolean,boolean,boolean)", "dumpRoutesAsYaml(boolean)", "dumpRoutesAsYaml(boolean,boolean)",
            "dumpRoutesAsYaml(boolean,boolean,boolean)", "dumpRouteTemplatesAsXml()", "dumpRestsAsXml(boolean)",
            "dumpRouteAsXml(boolean)", "dumpRouteAsXml(boolean,boolean)", "dumpRouteAsYaml(boolean)", "dumpRouteAsYaml(boolean,boolean)");

    @TempDir
    Path dir;

    private final String slot = TestNames.schema("slot");
    private final Map<String, String> secrets = Map.of(
            "operator password", "ops-" + UUID.randomUUID(),
            "crm capture password", "crm-" + UUID.randomUUID(),
            "sales capture password", "sales-" + UUID.randomUUID(),
            "warehouse password", "edw-" + UUID.randomUUID());

    @AfterEach
    void dropSlots() throws Exception {
        CaptureFixture.dropSlots(slot);
    }

    @Test
    void externalModeShowsNoSecretAndLeavesNoneOnDiskAfterAKill() throws Exception {
        CaptureFixture.migrateOltp();
        SharedInfrastructure.Stack stack = SharedInfrastructure.get();
        String prefix = TestNames.topic("secrets");
        try (AppProcess app = new AppProcess(dir.resolve("app"));
             AppProcess hawtio = new AppProcess(dir.resolve("hawtio"))) {
            app.env("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers())
                    .env("TIDEWATER_EDW_JDBC_URL", stack.jdbcUrl(SharedInfrastructure.WAREHOUSE_DB))
                    .env("TIDEWATER_EDW_USERNAME", "postgres")
                    .env("TIDEWATER_EDW_PASSWORD", secrets.get("warehouse password"))
                    .env("TIDEWATER_EDW_SCHEMA", TestNames.schema("secrets"))
                    .env("TIDEWATER_OPS_PASSWORD", secrets.get("operator password"))
                    .env("TIDEWATER_DEMO_ENABLED", "false")
                    .env("TIDEWATER_LOAD_GROUP_ID", TestNames.group("secrets"))
                    .env("TIDEWATER_CAPTURE_OFFSETS_TOPIC", prefix + ".capture-offsets");
            for (String db : List.of("crm", "sales")) {
                String p = "TIDEWATER_CAPTURE_" + db.toUpperCase() + "_";
                app.env(p + "HOSTNAME", "localhost").env(p + "PORT", String.valueOf(stack.postgresPort())).env(p + "USER", "postgres")
                        .env(p + "PASSWORD", secrets.get(db + " capture password")).env(p + "SLOT", slot + "_" + db)
                        .env(p + "TOPIC_PREFIX", prefix + "." + db);
            }
            app.start();
            String mgmt = "http://127.0.0.1:" + app.managementPort;
            await().atMost(Duration.ofSeconds(120)).until(() -> app.get("/observe/health").contains("\"UP\""));
            assertEquals(401, AppProcess.http("GET", mgmt + "/observe/jolokia/version", null, null).status());
            assertEquals(401, AppProcess.http("GET", mgmt + "/observe/jolokia/version", OPERATOR, "wrong").status());

            hawtio.setProperty("tidewater.hawtio.jolokia-url", mgmt + "/observe/jolokia")
                    .env("TIDEWATER_OPS_PASSWORD", secrets.get("operator password")).command("hawtio").start();
            String hawtioUrl = "http://127.0.0.1:" + hawtio.hawtioPort + "/hawtio";
            await().atMost(Duration.ofSeconds(60)).until(() -> AppProcess.http("GET", hawtioUrl + "/", null, null).status() == 401);

            assertNoSecret(observe(app));
            String password = secrets.get("operator password");
            List<JolokiaSweep.Call> proxied = new JolokiaSweep(hawtioUrl + "/proxy/http/127.0.0.1/" + app.managementPort
                    + "/observe/jolokia/", OPERATOR, password).run();
            assertNoSecret(responses(proxied));
            assertDumpsRefused(proxied);
            assertNoLocalAgent(hawtioUrl, OPERATOR, password);
            List<JolokiaSweep.Call> direct = new JolokiaSweep(mgmt + "/observe/jolokia/", OPERATOR, password).run();
            assertNoSecret(responses(direct));
            assertDumpsRefused(direct);

            // kill -9: no shutdown hook runs, and nothing on disk holds the operator password.
            app.kill();
            hawtio.kill();
            List<Path> files = new ArrayList<>(filesUnder(app.workDir()));
            files.addAll(filesUnder(hawtio.workDir()));
            try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                for (Path p : tmp.filter(f -> f.getFileName().toString().matches("tidewater-(ops|hawtio).*")).toList()) {
                    files.addAll(filesUnder(p));
                }
            }
            List<Path> holding = files.stream().filter(f -> contains(f, password)).toList();
            assertEquals(List.of(), holding, "files holding the operator password after kill -9");
        }
    }

    @Test
    void embeddedModeShowsNoSecretThroughJolokiaOrHawtio() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("embedded"))) {
            app.setProperty("tidewater.demo.enabled", "false")
                    .env("TIDEWATER_CAPTURE_CRM_PASSWORD", secrets.get("crm capture password"))
                    .env("TIDEWATER_CAPTURE_SALES_PASSWORD", secrets.get("sales capture password"))
                    .env("TIDEWATER_OPS_PASSWORD", secrets.get("operator password"))
                    .start();
            await().atMost(Duration.ofSeconds(120)).until(() -> app.get("/observe/health").contains("\"UP\""));
            String hawtioUrl = "http://127.0.0.1:" + app.hawtioPort + "/hawtio";
            await().atMost(Duration.ofSeconds(60)).until(() -> AppProcess.http("GET", hawtioUrl + "/", null, null).status() == 200);

            assertNoSecret(observe(app));
            List<JolokiaSweep.Call> direct = new JolokiaSweep("http://127.0.0.1:" + app.managementPort + "/observe/jolokia/", null, null).run();
            assertNoSecret(responses(direct));
            assertDumpsRefused(direct);
            // Hawtio's own Jolokia agent would reach the same JVM past the management port's policy: it is not there.
            assertNoLocalAgent(hawtioUrl, null, null);
        }
    }

    /** Hawtio answers 404 where its own Jolokia agent would be; Jolokia is reached through its proxy only. */
    private static void assertNoLocalAgent(String hawtioUrl, String user, String password) {
        for (String path : List.of("/jolokia", "/jolokia/", "/jolokia/version", "/jolokia/list", "/jolokia/read/java.lang:type=Runtime")) {
            for (String method : List.of("GET", "POST")) {
                AppProcess.Response r = AppProcess.http(method, hawtioUrl + path, user, password);
                assertEquals(404, r.status(), method + " " + path + ": " + r.body());
            }
        }
    }

    /** Every page of the management port that answers without Jolokia. */
    private static List<String> observe(AppProcess app) {
        List<String> pages = new ArrayList<>();
        for (String path : List.of("/observe/health", "/observe/health/ready", "/observe/health/live", "/observe/info",
                "/observe/metrics", "/observe/health?exposureLevel=full", "/observe/dev", "/observe")) {
            pages.add(path + " -> " + app.get(path));
        }
        return pages;
    }

    private static List<String> responses(List<JolokiaSweep.Call> calls) {
        System.out.printf("%d requests: %d reads, %d execs, of which %d answered%n", calls.size(),
                calls.stream().filter(c -> c.request().contains("\"type\":\"read\"")).count(),
                calls.stream().filter(c -> c.operation() != null).count(),
                calls.stream().filter(c -> c.operation() != null && c.status() != 403).count());
        return calls.stream().map(c -> c.request() + " -> " + c.response()).toList();
    }

    private void assertNoSecret(List<String> answers) {
        List<String> leaks = new ArrayList<>();
        for (String answer : answers) {
            secrets.forEach((what, value) -> {
                int at = answer.indexOf(value);
                if (at >= 0) {
                    int arrow = answer.indexOf(" -> ");
                    leaks.add(what + " in the answer to " + answer.substring(0, Math.min(arrow < 0 ? 200 : arrow, 300)) + ": ..."
                            + answer.substring(Math.max(0, at - 80), Math.min(answer.length(), at + value.length() + 20)));
                }
            });
        }
        assertTrue(leaks.isEmpty(), () -> leaks.size() + " answers hold a secret:\n" + String.join("\n", leaks));
    }

    /** The resolving dumps were asked and refused; any other dump answered is one of the harmless ones. */
    private static void assertDumpsRefused(List<JolokiaSweep.Call> calls) {
        assertTrue(calls.stream().anyMatch(c -> c.status() == 200 && c.operation() == null && c.mbean() != null
                && c.mbean().contains("capture-crm")), "the capture route's attributes were read");
        List<JolokiaSweep.Call> dumps = calls.stream().filter(c -> c.operation() != null && c.operation().startsWith("dump")
                && c.mbean().startsWith("org.apache.camel:")).toList();
        Set<String> refused = dumps.stream().filter(c -> c.status() == 403).map(JolokiaSweep.Call::operation).collect(Collectors.toSet());
        assertTrue(refused.containsAll(RESOLVING_DUMPS), "refused: " + refused);
        List<String> answered = dumps.stream().filter(c -> c.status() != 403).map(c -> c.mbean() + " " + c.operation()).toList();
        assertTrue(answered.stream().allMatch(a -> ANSWERED_DUMPS.contains(a.substring(a.indexOf(' ') + 1))), "answered: " + answered);
        // The diagram's dump is the route as written: the password is its placeholder.
        assertTrue(calls.stream().anyMatch(c -> "dumpRoutesAsXml()".equals(c.operation()) && c.status() == 200
                && c.response().contains("{{tidewater.capture.{{db}}.password}}")), "dumpRoutesAsXml() answered with the placeholder");
    }

    private static List<Path> filesUnder(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).toList();
        }
    }

    private static boolean contains(Path file, String text) {
        try {
            return new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException e) {
            return false;
        }
    }
}
