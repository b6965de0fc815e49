package io.tidewater.flow;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tidewater.events.InvalidEventException;

/**
 * The row columns of a Debezium change record's Kafka Connect schema (the fields of its {@code after} struct), each with
 * the warehouse type it maps to and how its JSON value is read: Connect's logical types (Decimal, Debezium's dates,
 * times and timestamps, UUID, JSON) become the values the column types expect. Parsed once per distinct schema text.
 */
public final class ConnectSchema {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int CACHED = 256;
    private static final Map<String, ConnectSchema> PARSED = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ConnectSchema> eldest) {
            return size() > CACHED;
        }
    });

    /**
     * One column of the row: its type in the warehouse, the Connect type its value is read as, and the column a mirror
     * makes of it (named after it, optional).
     */
    public record Field(String name, ColumnType type, String connectType, String logical, int scale, FlowSpec.Column column) {

        /** The JSON value as the column type reads it (a decimal's bytes as a number, a timestamp as an instant...). */
        public JsonNode normalize(JsonNode v) {
            if (v == null || v.isNull()) {
                return null;
            }
            String l = logical == null ? "" : logical;
            switch (l) {
                case "org.apache.kafka.connect.data.Decimal" -> {
                    return DecimalNode.valueOf(new BigDecimal(new BigInteger(bytes(v)), scale));
                }
                case "io.debezium.data.VariableScaleDecimal" -> {
                    return DecimalNode.valueOf(new BigDecimal(new BigInteger(bytes(v.get("value"))), v.path("scale").asInt()));
                }
                case "io.debezium.time.MicroTimestamp" -> {
                    return instant(v.asLong(), 1_000_000L);
                }
                case "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp" -> {
                    return instant(v.asLong(), 1_000L);
                }
                case "io.debezium.time.NanoTimestamp" -> {
                    return instant(v.asLong(), 1_000_000_000L);
                }
                case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date" -> {
                    return TextNode.valueOf(LocalDate.ofEpochDay(v.asLong()).toString());
                }
                case "io.debezium.time.MicroTime" -> {
                    return TextNode.valueOf(LocalTime.ofNanoOfDay(v.asLong() * 1_000L).toString());
                }
                case "io.debezium.time.Time", "org.apache.kafka.connect.data.Time" -> {
                    return TextNode.valueOf(LocalTime.ofNanoOfDay(v.asLong() * 1_000_000L).toString());
                }
                case "io.debezium.time.NanoTime" -> {
                    return TextNode.valueOf(LocalTime.ofNanoOfDay(v.asLong()).toString());
                }
                case "io.debezium.data.Json" -> {
                    try {
                        return MAPPER.readTree(v.asText());
                    } catch (JsonProcessingException e) {
                        throw new InvalidEventException("field '" + name + "' is not valid JSON: " + e.getOriginalMessage());
                    }
                }
                default -> {
                    return v;
                }
            }
        }

        private byte[] bytes(JsonNode v) {
            try {
                return Base64.getDecoder().decode(v.asText());
            } catch (IllegalArgumentException e) {
                throw new InvalidEventException("field '" + name + "' is not a base64 decimal: " + v.asText());
            }
        }

        private static JsonNode instant(long value, long perSecond) {
            long nanosPerUnit = 1_000_000_000L / perSecond;
            return TextNode.valueOf(Instant.ofEpochSecond(Math.floorDiv(value, perSecond), Math.floorMod(value, perSecond) * nanosPerUnit).toString());
        }
    }

    private final Map<String, Field> fields;

    private ConnectSchema(Map<String, Field> fields) {
        this.fields = fields;
    }

    /** The row columns, by field name, in the schema's order. */
    public Map<String, Field> fields() {
        return fields;
    }

    /** The schema of a change record, from its JSON text (cached); throws InvalidEventException for one it cannot read. */
    public static ConnectSchema of(String text) {
        ConnectSchema cached = PARSED.get(text);
        if (cached != null) {
            return cached;
        }
        ConnectSchema parsed = parse(text);
        PARSED.put(text, parsed);
        return parsed;
    }

    private static ConnectSchema parse(String text) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("the record's schema is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode row = null;
        for (JsonNode f : root.path("fields")) {
            if (f.path("field").asText().equals("after") || row == null && f.path("field").asText().equals("before")) {
                row = f;
            }
        }
        if (row == null || !row.path("type").asText().equals("struct")) {
            throw new InvalidEventException("the record's schema has no 'after' struct: not a Debezium change envelope");
        }
        Map<String, Field> fields = new LinkedHashMap<>();
        for (JsonNode f : row.path("fields")) {
            String name = f.path("field").asText();
            String type = f.path("type").asText();
            String logical = f.hasNonNull("name") ? f.get("name").asText() : null;
            JsonNode params = f.path("parameters");
            int scale = params.path("scale").asInt(0);
            ColumnType columnType = columnType(type, logical, params);
            fields.put(name, new Field(name, columnType, type, logical, scale, FlowSpec.fromSchema(name, columnType, false)));
        }
        return new ConnectSchema(Collections.unmodifiableMap(fields));
    }

    /** The warehouse type of a Connect type; what has no closer type keeps its value: text, or jsonb for a structure. */
    static ColumnType columnType(String type, String logical, JsonNode params) {
        String l = logical == null ? "" : logical;
        switch (l) {
            case "org.apache.kafka.connect.data.Decimal" -> {
                int scale = params.path("scale").asInt(0);
                int precision = params.path("connect.decimal.precision").asInt(0);
                return precision >= 1 && precision <= 1000 && scale >= 0 && scale <= precision
                        ? new ColumnType("numeric", precision, scale) : new ColumnType("numeric", 0, 0);
            }
            case "io.debezium.data.VariableScaleDecimal" -> {
                return new ColumnType("numeric", 0, 0);
            }
            case "io.debezium.time.MicroTimestamp", "io.debezium.time.Timestamp", "io.debezium.time.NanoTimestamp",
                 "io.debezium.time.ZonedTimestamp", "org.apache.kafka.connect.data.Timestamp" -> {
                return new ColumnType("timestamptz", 0, 0);
            }
            case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date" -> {
                return new ColumnType("date", 0, 0);
            }
            case "io.debezium.data.Uuid" -> {
                return new ColumnType("uuid", 0, 0);
            }
            case "io.debezium.data.Json" -> {
                return new ColumnType("jsonb", 0, 0);
            }
            default -> {
                return switch (type) {
                    case "int8", "int16", "int32" -> l.contains("Time") ? new ColumnType("text", 0, 0) : new ColumnType("int", 0, 0);
                    case "int64" -> l.contains("Time") ? new ColumnType("text", 0, 0) : new ColumnType("bigint", 0, 0);
                    case "float", "double", "float32", "float64" -> new ColumnType("numeric", 0, 0);
                    case "boolean" -> new ColumnType("boolean", 0, 0);
                    case "struct", "array", "map" -> new ColumnType("jsonb", 0, 0);
                    default -> new ColumnType("text", 0, 0);
                };
            }
        }
    }
}
