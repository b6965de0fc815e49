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
        assertEquals(7, cfg.get(Keys.DEMO_RATE));
        assertEquals(null, cfg.get("tidewater.kafka.bootstrap-servers"));
        assertEquals("TIDEWATER_EDW_JDBC_URL", TidewaterConfig.envName("tidewater.edw.jdbc-url"));
    }

    @Test
    void aBadValueNamesItsKey() {
        TidewaterConfig cfg = TidewaterConfig.of(Map.of("tidewater.embedded.postgres.port", "fifteen", "tidewater.demo.enabled", "yes"));
        ConfigException port = assertThrows(ConfigException.class, () -> cfg.get(Keys.EMBEDDED_POSTGRES_PORT));
        assertEquals("tidewater.embedded.postgres.port", port.key());
        assertTrue(port.getMessage().contains("'fifteen'"));
        assertThrows(ConfigException.class, () -> cfg.get(Keys.DEMO_ENABLED));
    }

    @Test
    void anUnsetKeyTakesItsDefaultAndTheShippedFileStatesEachDefault() throws Exception {
        TidewaterConfig empty = TidewaterConfig.of(Map.of());
        assertEquals(2000, empty.get(Keys.LOAD_BATCH_SIZE));
        assertEquals("edw", empty.get(Keys.EDW_SCHEMA));
        assertEquals(true, empty.get(Keys.DEMO_ENABLED));
        // application.properties documents every key at the default Keys declares, so the two never tell apart.
        java.util.Properties shipped = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(Path.of("application.properties"))) {
            shipped.load(r);
        }
        for (Setting<?> s : Keys.all()) {
            if (s.key().endsWith(".password") && s.defaultValue() == null) {
                continue;       // secrets come from the environment only, never from the file
            }
            assertTrue(shipped.containsKey(s.key()), s.key() + " is not in application.properties");
            String value = shipped.getProperty(s.key()).strip();
            assertEquals(s.defaultValue() == null ? "" : String.valueOf(s.defaultValue()), value, s.key());
        }
    }

    @Test
    void theReadmeStatesEachDefaultItListsAsKeysDeclaresIt() throws Exception {
        java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^\\| `([a-z.-]+)` \\| `([^`]*)` \\|")
                .matcher(Files.readString(Path.of("README.md")));
        int checked = 0;
        while (row.find()) {
            for (Setting<?> s : Keys.all()) {
                if (s.key().equals(row.group(1))) {
                    assertEquals(String.valueOf(s.defaultValue()), row.group(2), "README's default of " + s.key());
                    checked++;
                }
            }
        }
        assertTrue(checked >= 30, "README's configuration table lists the keys (" + checked + " found)");
    }

    @Test
    void aKeyEmptyInTheFileReachesCamelsPlaceholdersAsItsDefault() {
        TidewaterConfig cfg = TidewaterConfig.of(Map.of("tidewater.load.batch-size", "", "tidewater.load.group-id", "",
                "tidewater.load.poll-timeout-ms", "250"));
        var placeholders = io.tidewater.flow.Placeholders.of(cfg);
        assertEquals("2000", placeholders.apply("{{tidewater.load.batch-size}}"));
        assertEquals("tidewater-load.calls", placeholders.apply("{{tidewater.load.group-id}}.calls"));
        assertEquals("250", placeholders.apply("{{tidewater.load.poll-timeout-ms}}"));
        assertEquals("2000", Keys.values(cfg).get("tidewater.load.batch-size"));
    }
}
