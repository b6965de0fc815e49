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

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.Envelopes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, point 2: SIGTERM stops Tidewater within its shutdown timeout while a batch is being retried and another
 * call waits on a lock, and nothing embedded outlives it; a start after kill -9 recovers the PostgreSQL the dead
 * instance left running (with a session still open on it); a foreign process on the port still fails the start.
 */
class ShutdownIT {

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
            await().atMost(Duration.ofSeconds(90)).until(() -> app.get("/observe/health").contains("\"UP\""));
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
}
