package io.tidewater.flow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tidewater.events.EventJson;
import io.tidewater.flow.FlowSpec.Column;

/**
 * Reads a record's fields straight into its flow's bound columns, with no tree of the record: one pass over its tokens,
 * a value kept only for a field a column binds, every other value skipped (its names still checked: a name twice in any
 * object of the record is refused, as the full reading refuses it). It reads the usual record only: anything unusual (a
 * name twice, an envelope part missing or of another type, trailing content, malformed JSON) returns null, and the
 * record is read in full ({@link RecordReader}), which gives the same row or the reason it is refused.
 */
final class DirectReader {

    private static final JsonFactory JSON = new JsonFactory();
    /** Numbers as the full reading makes them: decimals exact. */
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    /** The names of the objects being read, per thread (a consumer's thread reads one record at a time). */
    private static final ThreadLocal<Names> NAMES = ThreadLocal.withInitial(Names::new);

    /** A record read: its bound columns' values (null where absent or JSON null) and, for a change, what the envelope says. */
    record Fields(JsonNode[] values, String op, long lsn, long tsMs) {
    }

    private final Map<String, int[]> columnsByField = new HashMap<>();
    private final int columns;

    DirectReader(List<Column> bound) {
        this.columns = bound.size();
        for (int i = 0; i < bound.size(); i++) {
            int[] at = columnsByField.get(bound.get(i).field());
            at = at == null ? new int[] {i} : Arrays.copyOf(at, at.length + 1);
            at[at.length - 1] = i;
            columnsByField.put(bound.get(i).field(), at);
        }
    }

    /**
     * A parser of the bytes from..to of a record: of the bytes themselves when they are ASCII with no NUL, else of their
     * text (strict UTF-8 is the full reading's to tell: null for text with a replacement character). A NUL byte goes to
     * the text too: Jackson's byte parser would take bytes with NULs among ASCII for UTF-16 or UTF-32.
     */
    private static JsonParser parser(byte[] raw, int from, int to) throws IOException {
        for (int i = from; i < to; i++) {
            if (raw[i] <= 0) {
                String text = new String(raw, from, to - from, StandardCharsets.UTF_8);
                return text.indexOf('\uFFFD') < 0 ? JSON.createParser(text) : null;
            }
        }
        return JSON.createParser(raw, from, to - from);
    }

    /** An event's fields: the object in the bytes from..to of the record (itself, or a Connect record's payload). */
    Fields event(byte[] raw, int from, int to) throws IOException {
        Names names = NAMES.get().reset();
        try (JsonParser p = parser(raw, from, to)) {
            if (p == null || p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonNode[] values = columns(p, names, true);
            return values == null || p.nextToken() != null ? null : new Fields(values, null, 0, 0);
        }
    }

    /**
     * A Debezium change's fields: the row ({@code after}, or for a delete {@code before}), the operation, the source's
     * LSN (absent for a snapshot read: -1) and the commit time in epoch milliseconds.
     */
    Fields change(byte[] raw, int from, int to) throws IOException {
        Names names = NAMES.get().reset();
        try (JsonParser p = parser(raw, from, to)) {
            if (p == null || p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            names.open();
            JsonNode[] after = null;
            JsonNode[] before = null;
            String op = null;
            boolean source = false;
            long lsn = -1;
            long sourceTs = -1;
            long ts = -1;
            boolean hasSourceTs = false;
            boolean hasTs = false;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                if (!names.add(name)) {
                    return null;
                }
                JsonToken v = p.nextToken();
                switch (name) {
                    case "after", "before" -> {
                        if (v == JsonToken.START_OBJECT) {
                            JsonNode[] row = columns(p, names, false);
                            if (row == null) {
                                return null;
                            }
                            if (name.equals("after")) {
                                after = row;
                            } else {
                                before = row;
                            }
                        } else if (v != JsonToken.VALUE_NULL) {
                            return null;
                        }
                    }
                    case "source" -> {
                        if (v != JsonToken.START_OBJECT) {
                            return null;
                        }
                        source = true;
                        names.open();
                        for (JsonToken s = p.nextToken(); s != JsonToken.END_OBJECT; s = p.nextToken()) {
                            String field = p.currentName();
                            if (!names.add(field)) {
                                return null;
                            }
                            JsonToken sv = p.nextToken();
                            if (field.equals("lsn") || field.equals("ts_ms")) {
                                if (sv == JsonToken.VALUE_NULL) {
                                    continue;
                                }
                                if (sv != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                                    return null;
                                }
                                if (field.equals("lsn")) {
                                    lsn = p.getLongValue();
                                    if (lsn < 0) {
                                        return null;
                                    }
                                } else {
                                    sourceTs = p.getLongValue();
                                    hasSourceTs = true;
                                }
                            } else if (!skip(p, names)) {
                                return null;
                            }
                        }
                        names.close();
                    }
                    case "op" -> {
                        if (v != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        op = p.getText();
                    }
                    case "ts_ms" -> {
                        if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                            ts = p.getLongValue();
                            hasTs = true;
                        } else if (v != JsonToken.VALUE_NULL) {
                            return null;
                        }
                    }
                    // A record that names these beside the envelope's parts may be a Connect record: the full reading tells.
                    case "schema", "payload" -> {
                        return null;
                    }
                    default -> {
                        if (!skip(p, names)) {
                            return null;
                        }
                    }
                }
            }
            names.close();
            if (p.nextToken() != null || op == null || !source || !hasSourceTs && !hasTs) {
                return null;
            }
            JsonNode[] row = switch (op) {
                case "c", "u", "r" -> after;
                // A delete without 'before' names its row by the record key: the full reading.
                case "d" -> before;
                default -> null;
            };
            if (row == null || lsn < 0 && !op.equals("r")) {
                return null;
            }
            return new Fields(row, op, lsn, hasSourceTs ? sourceTs : ts);
        }
    }

    /**
     * The bound columns' values of the object the parser is at (its START_OBJECT); null if a name comes twice, or, for
     * the top level of an event (top), it names a Connect record's parts.
     */
    private JsonNode[] columns(JsonParser p, Names names, boolean top) throws IOException {
        JsonNode[] out = new JsonNode[columns];
        names.open();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String name = p.currentName();
            if (!names.add(name) || top && (name.equals("schema") || name.equals("payload"))) {
                return null;
            }
            JsonToken v = p.nextToken();
            int[] at = columnsByField.get(name);
            if (at == null) {
                if (!skip(p, names)) {
                    return null;
                }
                continue;
            }
            JsonNode value = value(p, v);
            for (int i : at) {
                out[i] = value;
            }
        }
        names.close();
        return out;
    }

    /** A value as the full reading's tree holds it; null for JSON null. */
    private static JsonNode value(JsonParser p, JsonToken v) throws IOException {
        return switch (v) {
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDecimalValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> null;
            default -> EventJson.readValue(p);
        };
    }

    /** Skips the value the parser is at, checking the names of the objects in it; false if one names a field twice. */
    private static boolean skip(JsonParser p, Names names) throws IOException {
        int level = 0;
        for (JsonToken t = p.currentToken(); ; t = p.nextToken()) {
            switch (t) {
                case START_OBJECT -> {
                    names.open();
                    level++;
                }
                case START_ARRAY -> level++;
                case END_OBJECT -> {
                    names.close();
                    level--;
                }
                case END_ARRAY -> level--;
                case FIELD_NAME -> {
                    if (!names.add(p.currentName())) {
                        return false;
                    }
                }
                default -> {
                }
            }
            if (level == 0) {
                return true;
            }
        }
    }

    /** The names met so far in each object being read, outermost first: a few compared in turn, many in a set. */
    private static final class Names {

        private static final int FEW = 16;
        private String[][] names = new String[8][FEW];
        private int[] counts = new int[8];
        @SuppressWarnings("unchecked")
        private HashSet<String>[] sets = new HashSet[8];
        private int depth = -1;

        Names reset() {
            depth = -1;
            return this;
        }

        void open() {
            depth++;
            if (depth == counts.length) {
                int n = depth * 2;
                names = Arrays.copyOf(names, n);
                counts = Arrays.copyOf(counts, n);
                sets = Arrays.copyOf(sets, n);
            }
            if (names[depth] == null) {
                names[depth] = new String[FEW];
            }
            counts[depth] = 0;
        }

        void close() {
            depth--;
        }

        /** Adds a name of the innermost object; false if it has it already. */
        boolean add(String name) {
            int n = counts[depth]++;
            String[] few = names[depth];
            if (n < FEW) {
                for (int i = 0; i < n; i++) {
                    if (few[i].equals(name)) {
                        return false;
                    }
                }
                few[n] = name;
                return true;
            }
            HashSet<String> set = sets[depth];
            if (n == FEW) {
                set = set == null ? new HashSet<>() : set;
                set.clear();
                Collections.addAll(set, few);
                sets[depth] = set;
            }
            return set.add(name);
        }
    }
}
