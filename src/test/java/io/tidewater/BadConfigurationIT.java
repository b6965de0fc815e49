package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A broken setting, set through the environment: the application exits within 30 s and names the key. */
@ExtendWith(SharedInfrastructure.class)
class BadConfigurationIT {

    @TempDir
    Path dir;

    @Test
    void wrongJdbcUrlFailsFastNamingTheKey() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("jdbc"))) {
            app.env("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", SharedInfrastructure.get().bootstrapServers())
                    .env("TIDEWATER_EDW_JDBC_URL", "jdbc:postgresql://localhost:1/warehouse")
                    .start();
            assertFailsNaming(app, "tidewater.edw.jdbc-url");
        }
    }

    @Test
    void unreachableKafkaFailsFastNamingTheKey() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("kafka"))) {
            app.env("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", "localhost:1")
                    .env("TIDEWATER_EDW_JDBC_URL", SharedInfrastructure.get().jdbcUrl(SharedInfrastructure.WAREHOUSE_DB))
                    .env("TIDEWATER_EDW_USERNAME", "postgres")
                    .start();
            assertFailsNaming(app, "tidewater.kafka.bootstrap-servers");
        }
    }

    @Test
    void missingOperatorPasswordOutsideEmbeddedModeFailsNamingTheKey() throws Exception {
        try (AppProcess app = new AppProcess(dir.resolve("ops"))) {
            app.env("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", SharedInfrastructure.get().bootstrapServers())
                    .env("TIDEWATER_EDW_JDBC_URL", SharedInfrastructure.get().jdbcUrl(SharedInfrastructure.WAREHOUSE_DB))
                    .env("TIDEWATER_EDW_USERNAME", "postgres")
                    .env("TIDEWATER_EDW_SCHEMA", TestNames.schema("badops"))
                    .env("TIDEWATER_DEMO_ENABLED", "false")
                    .env("TIDEWATER_CAPTURE_ENABLED", "false")
                    .start();
            assertFailsNaming(app, "tidewater.ops.password");
            assertTrue(app.log().contains("TIDEWATER_OPS_PASSWORD"), app.log());
        }
    }

    /** Issue 11, point 6: camel.* keys take their environment override, and a port that cannot be bound names its key. */
    @Test
    void managementPortFromTheEnvironmentThatIsTakenFailsNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             AppProcess app = new AppProcess(dir.resolve("management"))) {
            app.env("CAMEL_MANAGEMENT_PORT", String.valueOf(taken.getLocalPort())).start();
            assertFailsNaming(app, "camel.management.port");
            assertTrue(app.log().contains("port " + taken.getLocalPort()), app.log());
            assertFalse(app.log().contains("Embedded PostgreSQL listening"), "nothing starts before the check:\n" + app.log());
        }
    }

    @Test
    void hawtioPortThatIsTakenFailsNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             AppProcess app = new AppProcess(dir.resolve("hawtio"))) {
            app.env("TIDEWATER_HAWTIO_PORT", String.valueOf(taken.getLocalPort())).start();
            assertFailsNaming(app, "tidewater.hawtio.port");
        }
    }

    private static void assertFailsNaming(AppProcess app, String key) throws InterruptedException {
        assertTrue(app.waitForExit(Duration.ofSeconds(30)), "still running after 30 s:\n" + app.log());
        assertEquals(Application.EXIT_CONFIG, app.exitValue(), app.log());
        assertTrue(app.log().contains("Configuration key '" + key + "'"), app.log());
    }
}
