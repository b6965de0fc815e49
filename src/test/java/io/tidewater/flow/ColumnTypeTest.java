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
    void numbersAreBoundExactlyAsWrittenAndOnlyWithinPostgresqlsRange() throws Exception {
        ColumnType numeric = ColumnType.parse("numeric");
        ColumnType bounded = ColumnType.parse("numeric(30,4)");
        com.fasterxml.jackson.databind.JsonNode doc = io.tidewater.events.EventJson.MAPPER.readTree(
                "{\"a\":1234567890123456789.1234,\"b\":1234567890123456789012345.5,\"c\":{\"price\":12345678901234567.89,\"q\":12.50}}");
        assertEquals("1234567890123456789.1234", bounded.value("a", doc.get("a"), false));
        assertEquals("1234567890123456789012345.5", numeric.value("b", doc.get("b"), false));
        assertEquals("{\"price\":12345678901234567.89,\"q\":12.50}", ColumnType.parse("jsonb").value("c", doc.get("c"), false));
        assertEquals("{\"price\":12345678901234567.89}", ColumnType.parse("jsonb").value("c",
                TextNode.valueOf("{\"price\":12345678901234567.89}"), true));
        for (String huge : new String[] {"1e2147483647", "1e-2147483647", "1e2100000000", "1e200000"}) {
            assertThrows(InvalidEventException.class, () -> numeric.value("n", TextNode.valueOf(huge), false), huge);
            assertThrows(InvalidEventException.class, () -> bounded.value("n", TextNode.valueOf(huge), false), huge);
            assertThrows(InvalidEventException.class, () -> numeric.value("n", io.tidewater.events.EventJson.MAPPER.readTree(huge), false), huge);
        }
    }

    @Test
    void whatIsNoInstantIsRefused() {
        for (String bad : new String[] {"2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-24 10:00:00Z",
                "2026-11-24T10:61:00Z", "yesterday"}) {
            assertThrows(InvalidEventException.class, () -> bound(bad), bad);
        }
    }
}
