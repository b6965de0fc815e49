package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.TextNode;
import io.tidewater.events.InvalidEventException;
import org.junit.jupiter.api.Test;

/** How a timestamptz field is bound: its common UTC form as it came, any other ISO-8601 form normalized, the rest refused. */
class ColumnTypeTest {

    private static final ColumnType TIMESTAMPTZ = ColumnType.parse("timestamptz");

    private static Object bound(String value) {
        return TIMESTAMPTZ.value("at", TextNode.valueOf(value), false);
    }

    @Test
    void aUtcInstantIsBoundAsItCame() {
        assertEquals("2026-11-24T10:00:00Z", bound("2026-11-24T10:00:00Z"));
        assertEquals("2026-11-24T10:00:00.123456Z", bound("2026-11-24T10:00:00.123456Z"));
        assertEquals("2024-02-29T23:59:59.5Z", bound("2024-02-29T23:59:59.5Z"));
    }

    @Test
    void otherIsoFormsAreNormalizedToUtc() {
        assertEquals("2026-11-24T08:00:00Z", bound("2026-11-24T10:00:00+02:00"));
    }

    @Test
    void whatIsNoInstantIsRefused() {
        for (String bad : new String[] {"2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-24 10:00:00Z",
                "2026-11-24T10:61:00Z", "yesterday"}) {
            assertThrows(InvalidEventException.class, () -> bound(bad), bad);
        }
    }
}
