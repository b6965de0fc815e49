package io.tidewater.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Strict field access on a JSON event, so that every violation names the field. */
public final class EventJson {

    /**
     * Strict about duplicate field names: an event that names a field twice is refused, not loaded with the last value.
     * Numbers with a fraction or an exponent are read as decimals, exactly as written, never rounded through a double.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));
    /**
     * The payload of a record whose schema is known: a name twice in one of its objects fails as the tree is built (the
     * tree's own check), rather than through a set of the names seen per object. The failure sends the record to the
     * full reading, which refuses it with the parser's message.
     */
    private static final ObjectMapper PAYLOAD = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));
    private static final String SCHEMA = "schema";
    /** How Kafka Connect's JSON converter starts a record with a schema, and what follows the schema. */
    private static final String SCHEMA_FIRST = "{\"schema\":";
    private static final byte[] SCHEMA_FIRST_BYTES = SCHEMA_FIRST.getBytes(StandardCharsets.UTF_8);
    private static final byte[] PAYLOAD_NEXT_BYTES = ",\"payload\":".getBytes(StandardCharsets.UTF_8);
    private static final int KNOWN_SCHEMAS = 16;

    /** A Connect schema read in full once (tokenized, and found well formed), as text and as UTF-8. */
    private record Known(String text, byte[] bytes) {
    }

    /**
     * The Connect schemas of the last records read in full, newest first. A record that carries one of them, byte for
     * byte, skips it by comparison.
     */
    private static volatile Known[] knownSchemas = new Known[0];

    private final JsonNode node;

    private EventJson(JsonNode node) {
        this.node = node;
    }

    public static EventJson parse(String raw, int maxBytes) {
        return parse(raw, maxBytes, false);
    }

    /**
     * keepSchema: a Kafka Connect schema beside the payload is kept as its JSON text ({@link #schemaText()}), for a reader
     * that types columns by it; otherwise it is only checked for well-formedness.
     */
    public static EventJson parse(String raw, int maxBytes, boolean keepSchema) {
        if (raw == null || raw.isBlank()) {
            throw new InvalidEventException("empty event");
        }
        // A char is at most 3 bytes in UTF-8, so most events need no encoding to know they are under the limit.
        if ((long) raw.length() * 3 > maxBytes) {
            int size = raw.getBytes(StandardCharsets.UTF_8).length;
            if (size > maxBytes) {
                throw new InvalidEventException("event is " + size + " bytes, over the limit of " + maxBytes);
            }
        }
        try (JsonParser parser = MAPPER.createParser(raw)) {
            String schemaFirst = null;
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidEventException("event is not a JSON object");
            }
            ObjectNode node = MAPPER.createObjectNode();
            JsonToken t = parser.nextToken();
            for (; t == JsonToken.FIELD_NAME; t = parser.nextToken()) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (SCHEMA.equals(field) && (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY)) {
                    // Kafka Connect's schema beside the payload: no tree is built for it (it is most of a Connect JSON
                    // record); a reader that types columns by it gets its text, which is the same for every record of a
                    // table until the table changes.
                    int start = (int) parser.currentTokenLocation().getCharOffset();
                    parser.skipChildren();
                    int end = (int) parser.currentTokenLocation().getCharOffset() + 1;
                    if (start == SCHEMA_FIRST.length() && raw.startsWith(SCHEMA_FIRST)) {
                        schemaFirst = raw.substring(start, end);
                    }
                    if (keepSchema) {
                        node.put(field, schemaFirst != null ? schemaFirst : raw.substring(start, end));
                    } else {
                        node.put(field, true);
                    }
                } else {
                    JsonNode tree = MAPPER.readTree(parser);
                    node.set(field, tree == null ? NullNode.getInstance() : tree);
                }
            }
            // One object per record: anything after it (a second event, stray text) refuses the record.
            if (t != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new InvalidEventException("malformed JSON: content after the event's object at character "
                        + parser.currentTokenLocation().getCharOffset());
            }
            if (schemaFirst != null) {
                remember(schemaFirst);
            }
            return new EventJson(node);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A record's bytes, read as {@link #parse(String, int, boolean)} reads its text (strict UTF-8 first). A record of
     * Connect's JSON converter whose schema is one already read ({@code {"schema":<known>,"payload":<value>}}) is compared
     * with it byte for byte: the schema is neither decoded nor tokenized, only the payload is parsed.
     */
    public static EventJson parse(byte[] raw, int maxBytes, boolean keepSchema) {
        if (raw.length > maxBytes) {
            throw new InvalidEventException("event is " + raw.length + " bytes, over the limit of " + maxBytes);
        }
        EventJson known = withKnownSchema(raw, keepSchema);
        return known != null ? known : parse(Utf8.strict(raw), maxBytes, keepSchema);
    }

    /** The record read with its known schema skipped; null when it is not such a record, or anything about it is unusual. */
    private static EventJson withKnownSchema(byte[] raw, boolean keepSchema) {
        Known schema = knownSchema(raw);
        String payload = schema == null ? null : payloadText(raw, schema);
        return payload == null ? null : withPayload(payload, schema.text(), keepSchema);
    }

    /** The known schema a record of Connect's JSON converter carries, byte for byte; null when it carries none of them. */
    private static Known knownSchema(byte[] raw) {
        int n = raw.length;
        if (n == 0 || raw[n - 1] != '}' || !startsWithSchema(raw)) {
            return null;
        }
        for (Known schema : knownSchemas) {
            int end = SCHEMA_FIRST_BYTES.length + schema.bytes().length;
            int from = payloadFrom(schema);
            if (from < n && Arrays.equals(raw, end, from, PAYLOAD_NEXT_BYTES, 0, PAYLOAD_NEXT_BYTES.length)
                    && Arrays.equals(raw, SCHEMA_FIRST_BYTES.length, end, schema.bytes(), 0, schema.bytes().length)) {
                return schema;
            }
        }
        return null;
    }

    /** Whether a record starts as Connect's JSON converter starts one with a schema. */
    private static boolean startsWithSchema(byte[] raw) {
        return Arrays.equals(raw, 0, Math.min(raw.length, SCHEMA_FIRST_BYTES.length), SCHEMA_FIRST_BYTES, 0, SCHEMA_FIRST_BYTES.length);
    }

    /** Where the payload of a record with this schema starts. */
    private static int payloadFrom(Known schema) {
        return SCHEMA_FIRST_BYTES.length + schema.bytes().length + PAYLOAD_NEXT_BYTES.length;
    }

    /** The payload's text of a record with this schema; null when it holds a replacement character. */
    private static String payloadText(byte[] raw, Known schema) {
        int from = payloadFrom(schema);
        String payload = new String(raw, from, raw.length - 1 - from, StandardCharsets.UTF_8);
        // A replacement character: a malformed sequence, or one of the record's own; the full reading tells.
        return payload.indexOf('\uFFFD') < 0 ? payload : null;
    }

    /**
     * Where the fields of a record are, for a reader of its own: the offset of the payload of a record of Connect's JSON
     * converter whose schema is known (not checked here: only its payload is read; it ends before the record's last
     * byte); 0 for a record that does not start as such a record does (the whole record holds them); -1 for a record to
     * read with {@link #parse(byte[], int, boolean)}: one over the size limit, or of a schema not known. The bytes are not
     * checked as UTF-8 here.
     */
    public static int fieldsFrom(byte[] raw, int maxBytes) {
        if (raw.length > maxBytes) {
            return -1;
        }
        Known schema = knownSchema(raw);
        if (schema != null) {
            return payloadFrom(schema);
        }
        return startsWithSchema(raw) ? -1 : 0;
    }

    /**
     * A value read as a payload's values are (decimals exact, a name twice in one of its objects refused), from the
     * parser at the value's first token.
     */
    public static JsonNode readValue(JsonParser parser) throws IOException {
        return PAYLOAD.readTree(parser);
    }

    private static EventJson withPayload(String payload, String schema, boolean keepSchema) {
        try (JsonParser parser = PAYLOAD.createParser(payload)) {
            JsonNode tree = PAYLOAD.readTree(parser);
            if (tree == null || parser.nextToken() != null) {
                return null;
            }
            ObjectNode node = MAPPER.createObjectNode();
            if (keepSchema) {
                node.put(SCHEMA, schema);
            } else {
                node.put(SCHEMA, true);
            }
            node.set("payload", tree);
            return new EventJson(node);
        } catch (IOException e) {
            return null;
        }
    }

    private static void remember(String schema) {
        Known[] known = knownSchemas;
        for (Known k : known) {
            if (k.text().equals(schema)) {
                return;
            }
        }
        Known[] next = new Known[Math.min(KNOWN_SCHEMAS, known.length + 1)];
        next[0] = new Known(schema, schema.getBytes(StandardCharsets.UTF_8));
        System.arraycopy(known, 0, next, 1, next.length - 1);
        knownSchemas = next;
    }

    /** The record as read (for tests of this package). */
    JsonNode node() {
        return node;
    }

    /** The payload when this is a record of Kafka Connect's JSON converter with schemas (schema + payload), else this. */
    public EventJson connectPayload() {
        return has(SCHEMA) && has("payload") ? object("payload") : this;
    }

    /** The Connect schema of this record as JSON text, when it carries one and it was kept; else null. */
    public String schemaText() {
        JsonNode v = node.get(SCHEMA);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /** A nested object, required. */
    EventJson object(String field) {
        JsonNode v = required(field);
        if (!v.isObject()) {
            throw new InvalidEventException("field '" + field + "' must be an object");
        }
        return new EventJson(v);
    }

    /** A nested object, or null when absent or JSON null. */
    EventJson optionalObject(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw new InvalidEventException("field '" + field + "' must be an object or null");
        }
        return new EventJson(v);
    }

    /** A field's value, or null when it is absent or JSON null. */
    public JsonNode field(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    boolean has(String field) {
        return node.hasNonNull(field);
    }

    /** A timestamp column as Debezium writes it: an ISO-8601 string, or epoch microseconds. */
    Instant timestamp(String field) {
        JsonNode v = required(field);
        if (v.isIntegralNumber()) {
            long micros = v.asLong();
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
        }
        return instant(field);
    }

    private JsonNode required(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidEventException("missing required field '" + field + "'");
        }
        return v;
    }

    String text(String field) {
        JsonNode v = required(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new InvalidEventException("field '" + field + "' must be a non-empty string");
        }
        return v.asText();
    }

    long longValue(String field) {
        JsonNode v = required(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new InvalidEventException("field '" + field + "' must be an integer");
        }
        return v.asLong();
    }

    int intValue(String field, int min, int max) {
        long v = longValue(field);
        if (v < min || v > max) {
            throw new InvalidEventException("field '" + field + "' must be between " + min + " and " + max + ", was " + v);
        }
        return (int) v;
    }

    UUID uuid(String field) {
        String v = text(field);
        try {
            return UUID.fromString(v);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException("field '" + field + "' is not a UUID: " + v);
        }
    }

    Instant instant(String field) {
        String v = text(field);
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new InvalidEventException("field '" + field + "' is not an ISO-8601 instant: " + v);
        }
    }

    String oneOf(String field, Set<String> allowed) {
        String v = text(field);
        if (!allowed.contains(v)) {
            throw new InvalidEventException("field '" + field + "' must be one of " + allowed + ", was '" + v + "'");
        }
        return v;
    }
}
