package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidewater.config.ConfigException;
import io.tidewater.config.TidewaterConfig;
import org.junit.jupiter.api.Test;

class LoadBeansTest {

    @Test
    void zeroLoadConsumersFailsNamingTheKeyBeforeAnythingIsBound() {
        Map<String, Object> bound = new HashMap<>();
        ConfigException e = assertThrows(ConfigException.class, () -> LoadBeans.bind(bound::put, null,
                TidewaterConfig.of(Map.of("tidewater.load.consumers.customers", "0")), new SimpleMeterRegistry(), "localhost:9092"));
        assertEquals("tidewater.load.consumers.customers", e.key());
        assertTrue(bound.isEmpty(), bound.keySet().toString());
    }
}
