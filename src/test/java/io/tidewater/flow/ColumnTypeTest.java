package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tidewater.events.EventJson;
import io.tidewater.events.InvalidEventException;
import io.tidewater.load.FlowBatch;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How a timestamptz or date field is bound: its common UTC form as it came, any other ISO-8601 form normalized, infinity
 * and BC values in forms PostgreSQL reads, the rest refused.
 */
@ExtendWith(SharedInfrastructure.class)
class ColumnTypeTest {

    private static final ColumnType TIMESTAMPTZ = ColumnType.parse("timestamptz");
    private static final ColumnType DATE = ColumnType.parse("date");

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

    /** PostgreSQL would round digits past a numeric's scale away: such a value is refused, not loaded altered. */
    @Test
    void decimalsPastTheScaleAreRefusedAndZerosPastItAreNot() throws Exception {
        ColumnType money = ColumnType.parse("numeric(10,2)");
        for (String altered : new String[] {"0.005", "1.234", "12.345", "1.2301"}) {
            assertThrows(InvalidEventException.class, () -> money.value("amount", EventJson.MAPPER.readTree(altered), false), altered);
            assertThrows(InvalidEventException.class, () -> money.value("amount", TextNode.valueOf(altered), false), altered);
        }
        assertEquals("1.500", money.value("amount", EventJson.MAPPER.readTree("1.500"), false));
        assertEquals("12.34", money.value("amount", EventJson.MAPPER.readTree("12.34"), false));
        assertEquals("100", money.value("amount", EventJson.MAPPER.readTree("100"), false));
        assertEquals("0.001", ColumnType.parse("numeric").value("n", EventJson.MAPPER.readTree("0.001"), false));
    }

    @Test
    void whatIsNoInstantIsRefused() {
        for (String bad : new String[] {"2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-24 10:00:00Z",
                "2026-11-24T10:61:00Z", "yesterday"}) {
            assertThrows(InvalidEventException.class, () -> bound(bad), bad);
        }
    }

    @Test
    void infinityIsBoundAsPostgresqlsInfinity() {
        for (ColumnType type : new ColumnType[] {TIMESTAMPTZ, DATE}) {
            assertEquals("infinity", type.value("at", TextNode.valueOf("infinity"), true));
            assertEquals("infinity", type.value("at", TextNode.valueOf("Infinity"), false));
            assertEquals("-infinity", type.value("at", TextNode.valueOf("-infinity"), true));
            assertEquals("-infinity", type.value("at", TextNode.valueOf("-INFINITY"), false));
            for (String bad : new String[] {"infinite", "+infinity", " infinity", "-Inf"}) {
                assertThrows(InvalidEventException.class, () -> type.value("at", TextNode.valueOf(bad), true), bad);
            }
        }
    }

    @Test
    void aYearOfZeroOrLessIsBoundBcAndAYearPast9999WithoutItsSign() {
        assertEquals("0044-03-15 12:00:00+00 BC", bound("-0043-03-15T12:00:00Z"));
        assertEquals("0044-03-15 12:00:00.123456+00 BC", bound("-0043-03-15T12:00:00.123456Z"));
        assertEquals("0044-03-15 10:00:00.500+00 BC", bound("-0043-03-15T12:00:00.5+02:00"));
        assertEquals("0001-12-31 23:59:59.999999+00 BC", bound("0000-12-31T23:59:59.999999Z"));
        assertEquals("4714-11-24 00:00:00+00 BC", bound("-4713-11-24T00:00:00Z"));
        assertEquals("10000-01-01T00:00:00Z", bound("+10000-01-01T00:00:00Z"));
        // Debezium's epoch microseconds (MicroTimestamp) and days (Date).
        long micros = Instant.parse("-0043-03-15T12:00:00.000001Z").getEpochSecond() * 1_000_000L + 1;
        assertEquals("0044-03-15 12:00:00.000001+00 BC", TIMESTAMPTZ.value("at", LongNode.valueOf(micros), true));
        assertEquals("0044-03-15 BC", DATE.value("on", LongNode.valueOf(LocalDate.parse("-0043-03-15").toEpochDay()), true));
        assertEquals("0001-01-01 BC", DATE.value("on", LongNode.valueOf(LocalDate.parse("0000-01-01").toEpochDay()), true));
        assertEquals("0044-03-15 BC", DATE.value("on", TextNode.valueOf("-0043-03-15"), false));
        assertEquals("4714-11-24 BC", DATE.value("on", TextNode.valueOf("-4713-11-24"), false));
        assertEquals("10000-01-01", DATE.value("on", TextNode.valueOf("+10000-01-01"), false));
        assertEquals("2026-11-24", DATE.value("on", TextNode.valueOf("2026-11-24"), false));
    }

    @Test
    void whatIsOutsidePostgresqlsRangeIsRefused() {
        for (String bad : new String[] {"-4713-11-23T23:59:59Z", "+294277-01-01T00:00:00Z", "-1000000-01-01T00:00:00Z"}) {
            assertThrows(InvalidEventException.class, () -> bound(bad), bad);
        }
        for (String bad : new String[] {"-4713-11-23", "+5874898-01-01"}) {
            assertThrows(InvalidEventException.class, () -> DATE.value("on", TextNode.valueOf(bad), false), bad);
        }
        assertThrows(InvalidEventException.class, () -> DATE.value("on", LongNode.valueOf(Long.MAX_VALUE), true));
    }

    @Test
    void versionsOrderAsPostgresqlOrdersThem() {
        List<String> timestamps = List.of("-infinity", "4714-11-24 00:00:00+00 BC", "0044-03-15 12:00:00+00 BC",
                "0044-03-15 12:00:00.5+00 BC", "0001-12-31 23:59:59.999999+00 BC", "0001-01-01T00:00:00Z",
                "2026-11-24T10:00:00Z", "10000-01-01T00:00:00Z", "infinity");
        List<String> dates = List.of("-infinity", "4714-11-24 BC", "0044-03-15 BC", "0001-12-31 BC", "0001-01-01",
                "2026-11-24", "10000-01-01", "infinity");
        List<Object> numbers = List.of("-12.5", -3L, "-1", 0, "2.25", 7L);
        for (List<?> ordered : List.of(timestamps, dates, numbers)) {
            for (int i = 0; i < ordered.size(); i++) {
                for (int j = 0; j < ordered.size(); j++) {
                    assertEquals(Integer.signum(Integer.compare(i, j)),
                            Integer.signum(FlowBatch.compareVersions(ordered.get(i), ordered.get(j))), ordered.get(i) + " vs " + ordered.get(j));
                }
            }
        }
    }

    /**
     * The forms Debezium sends for PostgreSQL values (ISO-8601 text, epoch microseconds and days), bound and cast by
     * PostgreSQL as the engine casts them, give back the source values, written as PostgreSQL literals.
     */
    @Test
    void boundValuesRoundTripThroughPostgresql() throws Exception {
        String[][] timestamps = {
                {"infinity", "infinity"}, {"-infinity", "-infinity"},
                {"-0043-03-15T12:00:00Z", "0044-03-15 12:00:00+00 BC"},
                {"-0043-03-15T12:00:00.123456Z", "0044-03-15 12:00:00.123456+00 BC"},
                {"0000-12-31T23:59:59.999999Z", "0001-12-31 23:59:59.999999+00 BC"},
                {"-4713-11-24T00:00:00Z", "4714-11-24 00:00:00+00 BC"},
                {"2026-11-24T10:00:00.5Z", "2026-11-24 10:00:00.5+00"},
                {"+10000-01-01T00:00:00Z", "10000-01-01 00:00:00+00"},
                {"+294276-12-31T23:59:59.999999Z", "294276-12-31 23:59:59.999999+00"}};
        String[][] dates = {
                {"infinity", "infinity"}, {"-infinity", "-infinity"}, {"-0043-03-15", "0044-03-15 BC"},
                {"0000-01-01", "0001-01-01 BC"}, {"-4713-11-24", "4714-11-24 BC"}, {"2026-11-24", "2026-11-24"},
                {"+10000-01-01", "10000-01-01"}, {"+5874897-12-31", "5874897-12-31"}};
        try (Warehouse warehouse = Warehouse.create(TestNames.schema("coltype")); Connection c = warehouse.dataSource().getConnection()) {
            List<String> sources = new ArrayList<>();
            List<Object> bound = new ArrayList<>();
            for (String[] t : timestamps) {
                sources.add(t[1]);
                bound.add(TIMESTAMPTZ.value("at", TextNode.valueOf(t[0]), false));
                if (!t[0].contains("infinity") && !t[0].startsWith("+294276")) {
                    // The same instant as Debezium's MicroTimestamp, its microseconds counted by PostgreSQL (a bigint
                    // of microseconds ends in 294247).
                    sources.add(t[1]);
                    bound.add(TIMESTAMPTZ.value("at", LongNode.valueOf(one(c, "SELECT (extract(epoch FROM ?::timestamptz) * 1000000)::bigint", t[1])), true));
                }
            }
            assertSame(c, "timestamptz", sources, bound);
            sources.clear();
            bound.clear();
            for (String[] d : dates) {
                sources.add(d[1]);
                bound.add(DATE.value("on", TextNode.valueOf(d[0]), false));
                if (!d[0].contains("infinity")) {
                    // The same date as Debezium's Date: days since 1970-01-01, counted by PostgreSQL.
                    sources.add(d[1]);
                    bound.add(DATE.value("on", LongNode.valueOf(one(c, "SELECT (?::date - date '1970-01-01')::bigint", d[1])), true));
                }
            }
            assertSame(c, "date", sources, bound);
        }
    }

    private static long one(Connection c, String sql, String literal) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, literal);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getLong(1);
            }
        }
    }

    /** Inserts the bound values as the engine binds them (text[] cast to type[]), and compares each with its source. */
    private static void assertSame(Connection c, String type, List<String> sources, List<Object> bound) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("CREATE TABLE round_trip_" + type + " (i int, v " + type + ")")) {
            ps.execute();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO round_trip_" + type
                + " SELECT * FROM unnest(?::int[], ?::" + type + "[])")) {
            Integer[] index = new Integer[bound.size()];
            for (int i = 0; i < index.length; i++) {
                index[i] = i;
            }
            ps.setObject(1, index);
            ps.setObject(2, bound.toArray(new String[0]));
            assertEquals(bound.size(), ps.executeUpdate());
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT v = ?::" + type + " FROM round_trip_" + type + " WHERE i = ?")) {
            for (int i = 0; i < sources.size(); i++) {
                ps.setString(1, sources.get(i));
                ps.setInt(2, i);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next() && rs.getBoolean(1), type + " " + sources.get(i) + " bound as " + bound.get(i));
                }
            }
        }
    }
}
