package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidewater.config.ConfigException;
import io.tidewater.config.TidewaterConfig;
import org.junit.jupiter.api.Test;

class LoadBeansTest {

    @Test
    void zeroLoadConsumersFailsNamingTheKeyBeforeAnythingIsBound() throws Exception {
        Map<String, Object> bound = new HashMap<>();
        Map<String, String> settings = new HashMap<>();
        Properties shipped = new Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            shipped.load(in);
        }
        shipped.stringPropertyNames().forEach(k -> settings.put(k, shipped.getProperty(k)));
        settings.put("tidewater.load.consumers.customers", "0");
        ConfigException e = assertThrows(ConfigException.class, () -> LoadBeans.bind(bound::put, null,
                TidewaterConfig.of(settings), new SimpleMeterRegistry(), "localhost:9092"));
        assertEquals("tidewater.load.consumers.customers", e.key());
        assertTrue(bound.isEmpty(), bound.keySet().toString());
    }
}
