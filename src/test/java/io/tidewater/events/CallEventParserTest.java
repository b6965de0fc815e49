package io.tidewater.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class CallEventParserTest {

    private final CallEventParser parser = new CallEventParser(1024);

    private static List<String> lines(String file) throws IOException {
        return Files.readAllLines(Path.of("src/test/resources/events", file));
    }

    @Test
    void parsesEveryFieldOfAValidEvent() throws IOException {
        CallEvent e = parser.parse(lines("calls-valid.jsonl").get(0));
        assertEquals(UUID.fromString("0b7c2f36-1d7e-4f0e-9a51-6a1f2f0c0001"), e.eventId());
        assertEquals(42L, e.customerId());
        assertEquals("agent-7", e.agentId());
        assertEquals(Instant.parse("2026-11-24T10:15:00Z"), e.startedAt());
        assertEquals(310, e.durationSec());
        assertEquals("resolved", e.outcome());
    }

    @Test
    void readsTheEventInsideAConnectJsonEnvelopeWithSchema() throws IOException {
        String plain = lines("calls-valid.jsonl").get(0);
        String wrapped = "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":[]},\"payload\":" + plain + "}";
        assertEquals(parser.parse(plain), parser.parse(wrapped));
    }

    @Test
    void rejectsAConnectEnvelopeWhoseSchemaIsMalformedOrWhosePayloadIsNotAnObject() throws IOException {
        String plain = lines("calls-valid.jsonl").get(0);
        String badSchema = "{\"schema\":{\"type\":\"struct\",\"fields\":[},\"payload\":" + plain + "}";
        assertTrue(assertThrows(InvalidEventException.class, () -> parser.parse(badSchema)).getMessage().contains("malformed JSON"));
        String truncated = "{\"schema\":{\"type\":\"struct\"},\"payload\":" + plain;
        assertTrue(assertThrows(InvalidEventException.class, () -> parser.parse(truncated)).getMessage().contains("malformed JSON"));
        String listPayload = "{\"schema\":{\"type\":\"array\"},\"payload\":[1]}";
        assertTrue(assertThrows(InvalidEventException.class, () -> parser.parse(listPayload)).getMessage().contains("'payload'"));
    }

    @Test
    void rejectsEachInvalidEventWithAReason() throws IOException {
        List<String> bad = lines("calls-invalid.jsonl");
        assertTrue(assertThrows(InvalidEventException.class, () -> parser.parse(bad.get(0))).getMessage().contains("malformed JSON"));
        assertTrue(assertThrows(InvalidEventException.class, () -> parser.parse(bad.get(1))).getMessage().contains("'customerId'"));
        assertTrue(assertThrows(InvalidEventException.class, () -> parser.parse(bad.get(2))).getMessage().contains("'type'"));
        assertTrue(assertThrows(InvalidEventException.class, () -> parser.parse(bad.get(3))).getMessage().contains("integer"));
    }

    @Test
    void rejectsOversizeEvents() {
        String big = "{\"pad\":\"" + "x".repeat(2000) + "\"}";
        assertTrue(assertThrows(InvalidEventException.class, () -> parser.parse(big)).getMessage().contains("over the limit"));
    }
}
