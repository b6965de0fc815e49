package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.tidewater.events.InvalidEventException;
import org.junit.jupiter.api.Test;

/** The validation the engine derives from a declaration, on the shipped calls flow (was CallEventParserTest). */
class RecordReaderTest {

    private final FlowSpec calls = new FlowReader(v -> v.replace("{{tidewater.topics.calls}}", "calls"))
            .read(Path.of("routes/events-calls.camel.yaml")).get(0);
    private final RecordReader reader = new RecordReader(calls, 1024);

    private static List<String> lines(String file) throws IOException {
        return Files.readAllLines(Path.of("src/test/resources/events", file));
    }

    private String message(String value) {
        return assertThrows(InvalidEventException.class, () -> reader.read(null, value)).getMessage();
    }

    @Test
    void parsesEveryFieldOfAValidEvent() throws IOException {
        RecordReader.Row row = reader.read(null, lines("calls-valid.jsonl").get(0));
        // event_id, type, customer_id, agent_id, started_at, duration_sec, outcome: the declared columns, in order.
        assertArrayEquals(new Object[] {"0b7c2f36-1d7e-4f0e-9a51-6a1f2f0c0001", "call.completed", 42L, "agent-7",
                "2026-11-24T10:15:00Z", 310, "resolved"}, row.values());
    }

    @Test
    void readsTheEventInsideAConnectJsonEnvelopeWithSchema() throws IOException {
        String plain = lines("calls-valid.jsonl").get(0);
        String wrapped = "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":[]},\"payload\":" + plain + "}";
        assertArrayEquals(reader.read(null, plain).values(), reader.read(null, wrapped).values());
    }

    @Test
    void rejectsAConnectEnvelopeWhoseSchemaIsMalformedOrWhosePayloadIsNotAnObject() throws IOException {
        String plain = lines("calls-valid.jsonl").get(0);
        assertTrue(message("{\"schema\":{\"type\":\"struct\",\"fields\":[},\"payload\":" + plain + "}").contains("malformed JSON"));
        assertTrue(message("{\"schema\":{\"type\":\"struct\"},\"payload\":" + plain).contains("malformed JSON"));
        assertTrue(message("{\"schema\":{\"type\":\"array\"},\"payload\":[1]}").contains("'payload'"));
    }

    @Test
    void rejectsEachInvalidEventWithAReason() throws IOException {
        List<String> bad = lines("calls-invalid.jsonl");
        assertTrue(message(bad.get(0)).contains("malformed JSON"));
        assertTrue(message(bad.get(1)).contains("'customerId'"));
        assertTrue(message(bad.get(2)).contains("'type'"));
        assertTrue(message(bad.get(3)).contains("integer"));
    }

    @Test
    void refusesContentAfterTheEventAndTextThatIsNotUnicode() throws IOException {
        String valid = lines("calls-valid.jsonl").get(0);
        assertTrue(message(valid + valid).contains("content after the event's object"));
        assertTrue(message(valid + " garbage").contains("malformed JSON"));
        assertTrue(message(valid.replace("agent-7", "agent-\\ud800-7")).contains("unpaired surrogate"));
        assertTrue(message(valid.replace("0b7c2f36-1d7e-4f0e-9a51-6a1f2f0c0001", "1-2-3-4-5")).contains("is not a UUID"));
        // A pair is a character like any other; an empty string is a value.
        assertEquals("agent-\uD83D\uDE00", reader.read(null, valid.replace("agent-7", "agent-\\ud83d\\ude00")).values()[3]);
        assertEquals("", reader.read(null, valid.replace("agent-7", "")).values()[3]);
    }

    @Test
    void checksRangesAndAllowedValues() throws IOException {
        String valid = lines("calls-valid.jsonl").get(0);
        assertTrue(message(valid.replace("\"durationSec\":310", "\"durationSec\":-1")).contains("between 0 and 86400"));
        assertTrue(message(valid.replace("\"durationSec\":310", "\"durationSec\":1e2147483647")).contains("integer"));
        assertTrue(message(valid.replace("\"resolved\"", "\"lost\"")).contains("must be one of [resolved, escalated, dropped]"));
    }

    @Test
    void aNewSourceFieldIsIgnoredAndADisappearedRequiredOneIsRefusedWithItsName() throws IOException {
        String valid = lines("calls-valid.jsonl").get(0);
        String withNewField = valid.replace("\"outcome\":", "\"channel\":\"phone\",\"outcome\":");
        assertArrayEquals(reader.read(null, valid).values(), reader.read(null, withNewField).values());
        String withoutAgent = valid.replace("\"agentId\":\"agent-7\",", "");
        assertEquals("missing required field 'agentId'", message(withoutAgent));
    }

    @Test
    void rejectsOversizeEvents() {
        assertTrue(message("{\"pad\":\"" + "x".repeat(2000) + "\"}").contains("over the limit"));
    }

    @Test
    void aDefaultOfANumberOrBooleanColumnIsTakenAsOne() throws IOException {
        Path file = Files.createTempFile("flow", ".camel.yaml");
        Files.writeString(file, Files.readString(Path.of("routes/events-calls.camel.yaml"))
                .replace("duration_sec: {field: durationSec, type: int, min: 0, max: 86400}",
                        "duration_sec: {field: durationSec, type: int, required: false, default: 3}"));
        RecordReader withDefault = new RecordReader(new FlowReader(v -> v.replace("{{tidewater.topics.calls}}", "calls")).read(file).get(0), 1024);
        String valid = lines("calls-valid.jsonl").get(0);
        assertEquals(3, withDefault.read(null, valid.replace("\"durationSec\":310,", "")).values()[5]);
        Files.writeString(file, Files.readString(file).replace("default: 3", "default: three"));
        FlowException e = assertThrows(FlowException.class, () -> new FlowReader(v -> v).read(file));
        assertTrue(e.getMessage().contains("column 'duration_sec': default: must be an integer"), e.getMessage());
        Files.delete(file);
    }

    @Test
    void aDeclarationMistakeNamesTheFileAndLine() throws IOException {
        Path file = Files.createTempFile("flow", ".camel.yaml");
        Files.writeString(file, Files.readString(Path.of("routes/events-calls.camel.yaml"))
                .replace("duration_sec: {field: durationSec, type: int, min: 0, max: 86400}", "duration_sec: {field: durationSec, type: integr}"));
        FlowException e = assertThrows(FlowException.class, () -> new FlowReader(v -> v).read(file));
        int line = Files.readAllLines(file).indexOf(Files.readAllLines(file).stream().filter(l -> l.contains("integr")).findFirst().orElseThrow()) + 1;
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("flow 'events-calls', column 'duration_sec': unknown type 'integr'"), e.getMessage());
        Files.delete(file);
    }
}
