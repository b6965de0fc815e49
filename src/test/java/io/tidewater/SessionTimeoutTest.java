package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidewater.config.ConfigException;
import io.tidewater.testing.SharedInfrastructure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A load consumers' session timeout the brokers refuse (under group.min.session.timeout.ms, 6000 ms by default) would
 * let no consumer join its group while everything else ran: the start fails instead, naming the key and the brokers'
 * bounds.
 */
@ExtendWith(SharedInfrastructure.class)
class SessionTimeoutTest {

    @Test
    void aSessionTimeoutTheBrokersRefuseFailsTheStartNamingTheKey() {
        String brokers = SharedInfrastructure.get().bootstrapServers();
        ConfigException e = assertThrows(ConfigException.class, () -> LoadBeans.requireSessionTimeout(brokers, 3000));
        assertEquals("tidewater.load.session-timeout-ms", e.key());
        assertTrue(e.getMessage().contains("must be between 6000 and "), e.getMessage());
        assertTrue(e.getMessage().contains("was 3000"), e.getMessage());
        assertDoesNotThrow(() -> LoadBeans.requireSessionTimeout(brokers, 10_000));
        assertDoesNotThrow(() -> LoadBeans.requireSessionTimeout(brokers, 6000));
    }
}
