package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.CaptureFixture;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.OutageProxy;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import io.tidewater.testing.Warehouse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, point 2: SIGTERM stops Tidewater within its shutdown timeout while a batch is being retried and another
 * call waits on a lock, and nothing embedded outlives it; a start after kill -9 recovers the PostgreSQL the dead
 * instance left running (with a session still open on it); a foreign process on the port still fails the start.
 * Issue 20, point 8: a start, a restart and their stops print no stack trace on the console, and SIGTERM with
 * PostgreSQL unreachable (the warehouse and the captured databases) still stops within the shutdown timeout.
 */
@ExtendWith(SharedInfrastructure.class)
class ShutdownIT {

    private static final int SHUTDOWN_TIMEOUT = 15;

    @TempDir
    Path dir;

    @Test
    void stopsWhileRetryingAndRecoversWhatAKilledInstanceLeft() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.enabled", "false").setProperty("camel.main.shutdown-timeout", "15").start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));

            // fact_call refuses every insert with a serialization failure (retried for as long as it takes) ...
            try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "");
                 Statement st = c.createStatement()) {
                st.execute("CREATE FUNCTION edw.refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'"
                        + " USING ERRCODE = '40001'; END $$ LANGUAGE plpgsql");
                st.execute("CREATE TRIGGER refuse BEFORE INSERT ON edw.fact_call FOR EACH STATEMENT EXECUTE FUNCTION edw.refuse()");
            }
            app.produceCalls("retried", 300, i -> i % 20);
            await().atMost(Duration.ofSeconds(60)).until(() -> app.log().contains("refused by the test"));
            // ... and fact_order is locked by a session, so an order batch blocks inside the warehouse.
            try (Connection lock = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "")) {
                lock.setAutoCommit(false);
                try (Statement st = lock.createStatement()) {
                    st.execute("LOCK TABLE edw.fact_order IN ACCESS EXCLUSIVE MODE");
                }
                app.produce("cdc.sales.public.orders", "1", Envelopes.order("c", 1, 1, "created", 100, 10));
                await().atMost(Duration.ofSeconds(30)).until(() -> app.warehouseLong(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%fact_order%'") == 1);

                double seconds = app.terminate(Duration.ofSeconds(40));
                assertTrue(seconds <= 16, "stopped in " + seconds + " s, shutdown timeout 15 s");
                assertTrue(app.log().contains("Tidewater stopped"), app.log());
            }
            assertEquals(-1, app.warehouseLong("SELECT 1"), "PostgreSQL stopped with the application");
            assertFalse(Files.exists(app.workDir().resolve("data/postgres/postmaster.pid")));

            // Restart; a session keeps the warehouse busy while the instance is killed: its PostgreSQL and that
            // session's backend outlive it, and the next start must recover them by itself.
            app.start();
            // Started, with events-calls DOWN: its batches are still refused by the trigger.
            await().atMost(Duration.ofSeconds(90)).until(() -> app.log().contains("Tidewater started")
                    && app.log().contains("Flow events-calls: a batch cannot be written"));
            try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "")) {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP TRIGGER refuse ON edw.fact_call");
                    c.setAutoCommit(false);
                    st.execute("LOCK TABLE edw.fact_order IN ACCESS EXCLUSIVE MODE");
                }
                app.kill();
                assertEquals(1, app.warehouseLong("SELECT 1"), "the killed instance's PostgreSQL is still running");
                app.start();
                await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));
            }
            assertTrue(app.log().contains("left running by an earlier run"), app.log());
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    app.warehouseLong("SELECT count(*) FROM edw.fact_call WHERE agent_id = 'retried'") == 300
                            && app.warehouseLong("SELECT count(*) FROM edw.fact_order WHERE order_id = 1") == 1);
            app.terminate(Duration.ofSeconds(40));

            // A process that is not ours on the PostgreSQL port: the start fails and names the key.
            try (ServerSocket foreign = new ServerSocket(app.postgresPort, 1, InetAddress.getLoopbackAddress())) {
                app.start();
                assertTrue(app.waitForExit(Duration.ofSeconds(60)), app.log());
                assertEquals(Application.EXIT_CONFIG, app.exitValue(), app.log());
                assertTrue(app.log().contains("Configuration key 'tidewater.embedded.postgres.port'"), app.log());
                assertTrue(app.log().contains("already in use"), app.log());
            }
        }
    }

    @Test
    void startRestartAndStopPrintNoStackTrace() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("quiet"))) {
            app.setProperty("camel.main.shutdown-timeout", String.valueOf(SHUTDOWN_TIMEOUT));
            for (int run = 1; run <= 2; run++) {
                app.start();
                await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));
                await().atMost(Duration.ofSeconds(60)).until(() -> app.log().contains("rows written"));
                // A normal start is over once both capture engines poll (Debezium refuses to stop while its tasks start).
                int polling = 2 * run;
                await().atMost(Duration.ofSeconds(90)).until(() -> occurrences(app.workDir().resolve("data/tidewater.log"),
                        "to 'POLLING_TASKS'") >= polling);
                long t0 = System.nanoTime();
                app.signalTerm();
                await().atMost(Duration.ofSeconds(SHUTDOWN_TIMEOUT + 2)).until(() -> !app.isAlive());
                String console = app.log();
                System.out.printf("run %d stopped in %.1f s; %d stack trace lines on the console%n", run,
                        (System.nanoTime() - t0) / 1e9, stackTraceLines(console).size());
                assertTrue(console.contains("Tidewater stopped"), console);
                assertEquals(List.of(), stackTraceLines(console), "run " + run + ", console:\n" + console);
            }
        }
    }

    private static int occurrences(Path file, String text) throws java.io.IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        String all = Files.readString(file);
        int n = 0;
        for (int i = all.indexOf(text); i >= 0; i = all.indexOf(text, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void stopsWithinTheTimeoutWithThePostgresqlUnreachable() throws Exception {
        String calls = TestNames.topic("gone-calls");
        String shipping = TestNames.topic("gone-shipping");
        String customers = TestNames.topic("gone-customers");
        String orders = TestNames.topic("gone-orders");
        String slot = TestNames.schema("gone_slot");
        Topics.ensure(calls, shipping, customers, orders, calls + ".dlq", shipping + ".dlq", customers + ".dlq", orders + ".dlq");
        CaptureFixture.migrateOltp();
        SharedInfrastructure.Stack stack = SharedInfrastructure.get();
        // The warehouse and both captured databases behind one relay: cutting it is PostgreSQL gone, as when the
        // embedded one dies.
        try (Warehouse warehouse = Warehouse.create(TestNames.schema("gone"));
             OutageProxy postgres = new OutageProxy(stack.postgresPort()).up();
             AppProcess app = new AppProcess(dir.resolve("gone"))) {
            app.setProperty("tidewater.kafka.bootstrap-servers", stack.bootstrapServers())
                    .setProperty("tidewater.edw.jdbc-url", "jdbc:postgresql://localhost:" + postgres.port() + "/" + SharedInfrastructure.WAREHOUSE_DB)
                    .setProperty("tidewater.edw.username", "postgres")
                    .setProperty("tidewater.edw.schema", warehouse.schema())
                    .setProperty("tidewater.demo.enabled", "false")
                    .setProperty("tidewater.topics.calls", calls)
                    .setProperty("tidewater.topics.shipping", shipping)
                    .setProperty("tidewater.topics.customers", customers)
                    .setProperty("tidewater.topics.orders", orders)
                    .setProperty("tidewater.load.group-id", TestNames.group("gone"))
                    .setProperty("tidewater.capture.offsets-topic", calls + ".capture-offsets")
                    .setProperty("camel.main.shutdown-timeout", String.valueOf(SHUTDOWN_TIMEOUT))
                    .env("TIDEWATER_OPS_PASSWORD", "shutdown-" + UUID.randomUUID());
            for (String db : List.of("crm", "sales")) {
                app.setProperty("tidewater.capture." + db + ".port", String.valueOf(postgres.port()))
                        .setProperty("tidewater.capture." + db + ".slot", slot + "_" + db)
                        .setProperty("tidewater.capture." + db + ".topic-prefix", calls + "." + db);
            }
            app.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));

            // PostgreSQL goes away, with a batch waiting to be written.
            postgres.down();
            Topics.send(calls, List.<String[]>of(new String[] {"1", "{\"eventId\":\"" + UUID.randomUUID() + "\",\"type\":\"call.completed\","
                    + "\"customerId\":1,\"agentId\":\"gone\",\"startedAt\":\"2026-11-24T08:00:00Z\",\"durationSec\":60,"
                    + "\"outcome\":\"resolved\"}"}), null, null);
            await().atMost(Duration.ofSeconds(60)).until(() -> app.get("/observe/health/ready").contains("\"DOWN\""));

            long t0 = System.nanoTime();
            app.signalTerm();
            await().atMost(Duration.ofSeconds(SHUTDOWN_TIMEOUT + 2)).until(() -> !app.isAlive());
            System.out.printf("stopped in %.1f s with PostgreSQL gone; %d stack trace lines on the console%n",
                    (System.nanoTime() - t0) / 1e9, stackTraceLines(app.log()).size());
            assertTrue(app.log().contains("Tidewater stopped"), app.log());
        } finally {
            CaptureFixture.dropSlots(slot);
        }
    }

    /** Lines of a Java stack trace, as a logger prints them. */
    private static List<String> stackTraceLines(String console) {
        return console.lines().filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by:")).toList();
    }
}
