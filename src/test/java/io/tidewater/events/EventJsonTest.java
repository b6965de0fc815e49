package io.tidewater.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A record of Connect's JSON converter whose schema was read before skips it by comparison: whatever the record, the
 * reading is the one of the record read in full, so the expected payload is Jackson's own reading of the record.
 */
class EventJsonTest {

    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final int MAX = 1 << 20;

    /** A record with a schema, read twice (the second time its schema is known): both times Jackson's payload. */
    @Property(tries = 300)
    void aKnownSchemaIsSkippedWithTheSameReading(@ForAll("records") String record) throws Exception {
        JsonNode expected = expected(record);
        for (int i = 0; i < 2; i++) {
            if (expected == null) {
                assertThrows(InvalidEventException.class, () -> EventJson.parse(bytes(record), MAX, true), record);
            } else {
                EventJson read = EventJson.parse(bytes(record), MAX, true);
                assertEquals(expected.get("payload"), PLAIN.readTree(read.node().get("payload").toString()), record);
                assertEquals(expected.get("schema").toString(), PLAIN.readTree(read.schemaText()).toString(), record);
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Jackson's reading of the record, or null where a strict reader refuses it (a name twice, anything after it, not JSON). */
    private static JsonNode expected(String record) {
        try {
            JsonNode tree = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                    .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(record);
            return tree != null && tree.isObject() && tree.has("schema") && tree.has("payload") ? tree : null;
        } catch (Exception e) {
            return null;
        }
    }

    @Provide
    Arbitrary<String> records() {
        Arbitrary<String> schema = Arbitraries.of(
                "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"}],\"optional\":false}",
                "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}],\"optional\":false}");
        Arbitrary<String> payload = Arbitraries.of("{\"id\":1}", "{\"id\":2,\"name\":\"a\\u0000b\"}", "{\"id\":3,\"id\":4}", "{\"id\":5,\"o\":{\"k\":1,\"k\":2}}", "{\"id\":6,\"o\":[{\"k\":1},{\"k\":1.50}]}", "null", "[1,2]",
                "{\"id\":1} ", "{\"id\":1}}", "{\"id\":1},\"x\":2", "{\"id\":1}\n", "{\"id\":", "\"text\"");
        Arbitrary<String> tail = Arbitraries.of("}", " }", "}\n", ",\"extra\":true}", "}}", "");
        return Combinators.combine(schema, payload, tail).as((s, p, t) -> "{\"schema\":" + s + ",\"payload\":" + p + t);
    }

    /** The examples a generator may miss, each read with its schema known. */
    @Property(tries = 1)
    void unusualRecordsOfAKnownSchema() throws Exception {
        String schema = "{\"type\":\"struct\",\"fields\":[],\"optional\":false}";
        EventJson.parse(bytes("{\"schema\":" + schema + ",\"payload\":{\"a\":1}}"), MAX, false);
        for (String record : List.of("{\"schema\":" + schema + ",\"payload\":{\"a\":1},\"payload\":{\"a\":2}}",
                "{\"schema\":" + schema + ",\"payload\":{\"a\":1,\"a\":2}}",
                "{\"schema\":" + schema + ",\"payload\":{\"a\":1}} {\"b\":2}}",
                "{\"schema\":" + schema + ",\"payload\":}")) {
            assertThrows(InvalidEventException.class, () -> EventJson.parse(bytes(record), MAX, false), record);
        }
        assertEquals(PLAIN.readTree("{\"a\":[1,{\"b\":null}]}"), PLAIN.readTree(EventJson.parse(bytes("{\"schema\":" + schema
                + ",\"payload\":{\"a\":[1,{\"b\":null}]}}"), MAX, false).node().get("payload").toString()));
        // A malformed UTF-8 sequence in the payload of a known schema is refused, at its byte in the record.
        byte[] prefix = bytes("{\"schema\":" + schema + ",\"payload\":{\"a\":\"");
        byte[] bad = java.util.Arrays.copyOf(prefix, prefix.length + 4);
        bad[prefix.length] = (byte) 0xC0;
        bad[prefix.length + 1] = (byte) 0xAF;
        bad[prefix.length + 2] = '"';
        bad[prefix.length + 3] = '}';
        byte[] record = java.util.Arrays.copyOf(bad, bad.length + 1);
        record[bad.length] = '}';
        InvalidEventException refused = assertThrows(InvalidEventException.class, () -> EventJson.parse(record, MAX, false));
        assertEquals("value is not valid UTF-8 (a malformed sequence at byte " + prefix.length + ")", refused.getMessage());
        // A payload that holds a U+FFFD of its own is read as it is.
        assertEquals("\uFFFD", EventJson.parse(bytes("{\"schema\":" + schema + ",\"payload\":{\"a\":\"\uFFFD\"}}"), MAX, false)
                .node().get("payload").get("a").asText());
    }
}
