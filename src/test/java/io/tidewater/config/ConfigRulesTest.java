package io.tidewater.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every numeric key's range and the keys that cannot be empty, as the start and {@code tidewater check} see them. */
class ConfigRulesTest {

    private static final Path SHIPPED = Path.of("application.properties");

    @Test
    void theShippedFilePasses() {
        TidewaterConfig shipped = TidewaterConfig.load(SHIPPED, Map.of());
        assertEquals(List.of(), ConfigRules.problems(shipped).stream().map(ConfigException::getMessage).toList());
        ConfigRules.require(shipped);
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "|", value = {
        "TIDEWATER_LOAD_MAX_EVENT_BYTES       | -1   | tidewater.load.max-event-bytes       | at least 1",
        "TIDEWATER_LOAD_BATCH_SIZE            | 0    | tidewater.load.batch-size            | at least 1",
        "TIDEWATER_LOAD_POLL_TIMEOUT_MS       | abc  | tidewater.load.poll-timeout-ms       | at least 1",
        "TIDEWATER_LOAD_GROUP_ID              | ''   | tidewater.load.group-id              | is empty",
        "TIDEWATER_EMBEDDED_KAFKA_PARTITIONS  | 0    | tidewater.embedded.kafka.partitions  | at least 1",
        "TIDEWATER_STATUS_INTERVAL_MS         | 0    | tidewater.status.interval-ms         | at least 1",
        "TIDEWATER_LOAD_BATCH_INTERVAL_MS     | 0    | tidewater.load.batch-interval-ms     | at least 1",
        "TIDEWATER_LOAD_MAX_POLL_INTERVAL_MS  | 0    | tidewater.load.max-poll-interval-ms  | at least 1",
        "TIDEWATER_LOAD_SESSION_TIMEOUT_MS    | 2000 | tidewater.load.session-timeout-ms    | at least 2001",
        "TIDEWATER_LOAD_CONSUMERS_ORDERS      | 0    | tidewater.load.consumers.orders      | at least 1",
        "TIDEWATER_EDW_POOL_SIZE              | 0    | tidewater.edw.pool-size              | at least 1",
        "TIDEWATER_STARTUP_CHECK_TIMEOUT_MS   | 0    | tidewater.startup.check-timeout-ms   | at least 1",
        "TIDEWATER_DEMO_RATE                  | 0    | tidewater.demo.rate                  | at least 1",
        "TIDEWATER_DEMO_CUSTOMERS             | -5   | tidewater.demo.customers             | at least 1",
        "TIDEWATER_CAPTURE_HEARTBEAT_INTERVAL_MS | 0 | tidewater.capture.heartbeat-interval-ms | at least 1",
        "TIDEWATER_CAPTURE_OFFSETS_REPLICATION_FACTOR | 0 | tidewater.capture.offsets-replication-factor | between 1 and 32767",
        "TIDEWATER_CACHE_CUSTOMERS_MAXIMUM_SIZE | 0  | tidewater.cache.customers.maximum-size | at least 1",
        "TIDEWATER_CACHE_CUSTOMERS_EXPIRE_AFTER_WRITE_SECONDS | 0 | tidewater.cache.customers.expire-after-write-seconds | at least 1",
        "TIDEWATER_METRICS_LAG_INTERVAL_MS    | 0    | tidewater.metrics.lag-interval-ms    | at least 1",
        "TIDEWATER_REPLAY_PROGRESS_INTERVAL_MS | 0   | tidewater.replay.progress-interval-ms | at least 1",
        "CAMEL_MAIN_SHUTDOWN_TIMEOUT          | 0    | camel.main.shutdown-timeout          | at least 1",
        "TIDEWATER_EMBEDDED_KAFKA_PORT        | 70000 | tidewater.embedded.kafka.port       | between 0 and 65535",
        "TIDEWATER_EMBEDDED_POSTGRES_PORT     | -1   | tidewater.embedded.postgres.port     | between 0 and 65535",
        "TIDEWATER_HAWTIO_PORT                | x    | tidewater.hawtio.port                | between 0 and 65535",
        "CAMEL_MANAGEMENT_PORT                | 65536 | camel.management.port               | between 0 and 65535",
        "TIDEWATER_CAPTURE_CRM_PORT           | 0x10 | tidewater.capture.crm.port           | between 0 and 65535",
        "TIDEWATER_EDW_SCHEMA                 | ' '  | tidewater.edw.schema                 | is empty",
        "TIDEWATER_TOPICS_CALLS               | ''   | tidewater.topics.calls               | is empty",
        "TIDEWATER_LOAD_ENABLED               | yes  | tidewater.load.enabled               | true or false",
    })
    void aBadValueIsRefusedNamingItsKeyAndRange(String env, String value, String key, String expected) {
        TidewaterConfig config = TidewaterConfig.load(SHIPPED, Map.of(env, value));
        List<ConfigException> problems = ConfigRules.problems(config);
        assertEquals(1, problems.size(), problems.toString());
        assertEquals(key, problems.get(0).key());
        String message = problems.get(0).getMessage();
        assertTrue(message.startsWith("Configuration key '" + key + "': "), message);
        assertTrue(message.contains(expected), message);
        if (!key.endsWith(".enabled")) {
            assertTrue(message.contains(env), message);
        }
        assertEquals(key, assertThrows(ConfigException.class, () -> ConfigRules.require(config)).key());
    }

    @Test
    void theMessageSaysTheRangeAndTheDefault() {
        TidewaterConfig config = TidewaterConfig.load(SHIPPED, Map.of("TIDEWATER_LOAD_BATCH_SIZE", "0"));
        assertEquals("Configuration key 'tidewater.load.batch-size': must be at least 1, was 0 (from TIDEWATER_LOAD_BATCH_SIZE)."
                + " Fix: set a whole number of at least 1; the default is 2000", ConfigRules.problems(config).get(0).getMessage());
    }

    @Test
    void legitimateBoundsAndEmptyFileValuesPass() {
        // 0 picks a free port; an empty value in the file means the default; a capture port may name another key.
        TidewaterConfig config = TidewaterConfig.of(Map.of("tidewater.embedded.kafka.port", "0",
                "tidewater.load.group-id", "", "tidewater.load.max-event-bytes", "1",
                "tidewater.capture.sales.port", "{{tidewater.embedded.postgres.port}}", "tidewater.capture.sales.tables", "public.orders",
                "tidewater.capture.sales.password", "embedded"));
        assertEquals(List.of(), ConfigRules.problems(config));
    }
}
