package io.tidewater.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TidewaterConfigTest {

    @TempDir
    Path dir;

    @Test
    void environmentOverridesTheFile() throws Exception {
        Path file = dir.resolve("application.properties");
        Files.writeString(file, "tidewater.demo.rate=100\ntidewater.kafka.bootstrap-servers=\n");
        TidewaterConfig cfg = TidewaterConfig.load(file, Map.of("TIDEWATER_DEMO_RATE", "7"));
        assertEquals(7, cfg.getInt("tidewater.demo.rate", 1));
        assertEquals(null, cfg.get("tidewater.kafka.bootstrap-servers"));
        assertEquals("TIDEWATER_EDW_JDBC_URL", TidewaterConfig.envName("tidewater.edw.jdbc-url"));
    }

    @Test
    void aBadValueNamesItsKey() {
        TidewaterConfig cfg = TidewaterConfig.of(Map.of("tidewater.embedded.postgres.port", "fifteen", "tidewater.demo.enabled", "yes"));
        ConfigException port = assertThrows(ConfigException.class, () -> cfg.getPort("tidewater.embedded.postgres.port", 15432));
        assertEquals("tidewater.embedded.postgres.port", port.key());
        assertTrue(port.getMessage().contains("'fifteen'"));
        assertThrows(ConfigException.class, () -> cfg.getBoolean("tidewater.demo.enabled", true));
    }
}
