package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.tidewater.events.InvalidEventException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A record read straight into its columns gives what the full reading (through its tree) gives: the same row, or for a
 * record the full reading refuses, the same reason. The oracle is the full reading itself, over generated events and
 * Debezium changes of flows with every column type: valid, of wrong types, with names twice at any depth, Connect's
 * parts, trailing content and envelopes missing or misshaping their parts.
 */
class DirectReaderTest {

    private static final String CONNECT_SCHEMA = "{\"type\":\"struct\",\"fields\":[],\"optional\":false}";

    private static final String COLUMNS = """
                    id: {field: id, type: bigint}
                    ref: {field: ref, type: uuid, required: false}
                    n: {field: n, type: int, required: false, min: 0, max: 100}
                    n_again: {field: n, type: bigint, required: false}
                    amount: {field: amount, type: "numeric(6,2)", required: false}
                    ratio: {field: ratio, type: numeric, required: false}
                    label: {field: label, type: text, required: false, default: none}
                    code: {field: code, type: "varchar(3)", required: false}
                    flag: {field: flag, type: boolean, required: false}
                    at: {field: at, type: timestamptz, required: false}
                    day: {field: day, type: date, required: false}
                    doc: {field: doc, type: jsonb, required: false}
                    tier: {field: tier, type: text, required: false, values: "gold,silver"}
            """;
    private static final RecordReader EVENTS = reader("events", "json", "fact", "");
    private static final RecordReader CHANGES = reader("changes", "debezium", "fact", "        version: lsn\n        deletes: soft\n");
    private static final RecordReader IGNORING = reader("ignoring", "debezium", "fact", "        deletes: ignore\n");

    private static RecordReader reader(String name, String format, String kind, String more) {
        String yaml = "- beans:\n    - name: " + name + "\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n"
                + "        source: {topic: " + name + "}\n        format: " + format + "\n        kind: " + kind + "\n"
                + "        table: fact_" + name + "\n        key: id\n" + more + "        columns:\n"
                + COLUMNS.lines().map(l -> "      " + l).collect(Collectors.joining("\n")) + "\n";
        try {
            Path file = Files.createTempFile("direct-reader", ".camel.yaml");
            Files.writeString(file, yaml);
            FlowSpec flow = new FlowReader(v -> v).read(file).get(0);
            Files.delete(file);
            return new RecordReader(flow, 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What reading gives: the row (the time an event was read aside), null for a record skipped, or the reason it is refused. */
    private static String outcome(RecordReader reader, String key, byte[] value, boolean full) {
        try {
            RecordReader.Row row = full ? reader.readInFull(key, value) : reader.read(key, value);
            if (row == null) {
                return "skipped";
            }
            return Arrays.deepToString(row.values()) + " @" + row.lsn() + (row.deleted() ? " deleted" : "")
                    + (reader == EVENTS ? "" : " " + row.committedAt());
        } catch (InvalidEventException e) {
            return "refused: " + e.getMessage();
        }
    }

    /** A record's bytes: its text in UTF-8, where each snowman becomes a malformed sequence (E2 98 followed by '('). */
    private static byte[] bytes(String record) {
        byte[] utf8 = record.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 2 < utf8.length; i++) {
            if (utf8[i] == (byte) 0xE2 && utf8[i + 1] == (byte) 0x98 && utf8[i + 2] == (byte) 0x83) {
                utf8[i + 2] = '(';
            }
        }
        return utf8;
    }

    private static void same(RecordReader reader, String key, String record) {
        // The same text in encodings that are not UTF-8: refused by the full reading, so by the direct one too.
        for (String charset : List.of("UTF-16LE", "UTF-16BE", "UTF-32BE", "UTF-32LE")) {
            byte[] encoded = record.getBytes(java.nio.charset.Charset.forName(charset));
            assertEquals(outcome(reader, key, encoded, true), outcome(reader, key, encoded, false), charset + " " + record);
        }
        byte[] value = bytes(record);
        String full = outcome(reader, key, value, true);
        boolean direct = reader.direct(value) != RecordReader.READ_IN_FULL;
        net.jqwik.api.statistics.Statistics.label(reader == EVENTS ? "event" : "change")
                .collect(full.startsWith("refused") ? "refused" : direct ? "read directly" : "read in full");
        // The second time, a Connect record's schema is known.
        for (int i = 0; i < 2; i++) {
            assertEquals(outcome(reader, key, value, true), outcome(reader, key, value, false), record);
        }
    }

    @Property(tries = 1000)
    void anEventReadDirectlyIsReadAsInFull(@ForAll("events") String record) {
        same(EVENTS, null, record);
    }

    @Property(tries = 1000)
    void aChangeReadDirectlyIsReadAsInFull(@ForAll("changes") String record, @ForAll("keys") String key) {
        same(CHANGES, key, record);
        same(IGNORING, key, record);
    }

    /** The usual records are read directly (not handed to the full reading), so that the properties above test something. */
    @Property(tries = 1)
    void theUsualRecordsAreReadDirectly() {
        String row = "{\"id\":7,\"n\":3,\"label\":\"a\",\"at\":1795500000000000,\"doc\":\"{\\\"k\\\":[1,2.50]}\"}";
        String change = "{\"before\":null,\"after\":" + row + ",\"source\":{\"version\":\"3.4.0.Final\",\"ts_ms\":1795500000123,"
                + "\"lsn\":1234,\"txId\":9},\"op\":\"u\",\"ts_ms\":1795500000200,\"transaction\":null}";
        String event = "{\"id\":7,\"n\":3,\"amount\":12.5,\"label\":\"a\",\"at\":\"2026-11-24T10:15:00Z\",\"doc\":{\"k\":[1,{\"x\":null}]}}";
        for (String record : List.of(change, connect(change))) {
            byte[] value = record.getBytes(StandardCharsets.UTF_8);
            CHANGES.readInFull(null, value);
            assertNotSame(RecordReader.READ_IN_FULL, CHANGES.direct(value), record);
        }
        for (String record : List.of(event, connect(event))) {
            byte[] value = record.getBytes(StandardCharsets.UTF_8);
            EVENTS.readInFull(null, value);
            assertNotSame(RecordReader.READ_IN_FULL, EVENTS.direct(value), record);
        }
    }

    /** A log position below zero is refused (it would sort below a snapshot read, which would then replace its row). */
    @Property(tries = 1)
    void aNegativeLogPositionIsRefused() {
        String change = "{\"op\":\"c\",\"after\":{\"id\":5},\"source\":{\"lsn\":-5,\"ts_ms\":1700000000000}}";
        assertEquals("refused: field 'lsn' must not be negative, was -5", outcome(CHANGES, null, bytes(change), false));
    }

    private static String connect(String payload) {
        return "{\"schema\":" + CONNECT_SCHEMA + ",\"payload\":" + payload + "}";
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.of("(none)", "{\"id\":7}", "{\"schema\":" + CONNECT_SCHEMA + ",\"payload\":{\"id\":8}}", "7", "").map(k -> k.equals("(none)") ? null : k);
    }

    /** One field of a row: a column's field with a value of its type, of another type, or odd; or a field no column binds. */
    private Arbitrary<String> field() {
        Map<String, List<String>> values = Map.ofEntries(
                Map.entry("ref", List.of("\"0b7c2f36-1d7e-4f0e-9a51-6a1f2f0c0001\"", "null", "\"1-2-3-4-5\"", "5")),
                Map.entry("n", List.of("0", "100", "101", "-1", "2147483648", "3.0", "null", "true")),
                Map.entry("amount", List.of("12.5", "1234.56", "12345.6", "\"99.99\"", "1e2", "-0.001", "1E+3", "null", "[1]")),
                Map.entry("ratio", List.of("0.1", "1e-400", "\"x\"", "123456789012345678901234567890", "null")),
                Map.entry("label", List.of("\"a\"", "\"caf\u00e9 \uD83D\uDE00\"", "\"\"", "\"bad \u2603\"", "\"\uFFFD\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\ud83d\\ude00\"", "\"__debezium_unavailable_value\"", "null", "1")),
                Map.entry("code", List.of("\"abc\"", "\"abcd\"", "\"\\u00e9\\u00e9\\u00e9\"", "null", "{}")),
                Map.entry("flag", List.of("true", "false", "\"true\"", "0", "null")),
                Map.entry("at", List.of("\"2026-11-24T10:15:00Z\"", "1795500000000000", "\"2026-11-24\"", "\"yesterday\"", "-1", "null", "\"infinity\"")),
                Map.entry("day", List.of("\"2026-11-24\"", "20000", "\"2026-02-30\"", "null", "\"-infinity\"")),
                Map.entry("doc", List.of("{\"k\":1}", "[1,{\"a\":1.50}]", "{\"k\":1,\"k\":2}", "\"{\\\"k\\\":1}\"", "\"{\\\"k\\\":\"", "null", "3")),
                Map.entry("tier", List.of("\"gold\"", "\"bronze\"", "null")),
                Map.entry("extra", List.of("1", "[[],{}]", "{\"a\":{\"b\":[1,{\"c\":2,\"c\":3}]}}", "{\"a\":1,\"b\":2}", "null")),
                Map.entry("schema", List.of("{\"type\":\"struct\"}", "null")),
                Map.entry("payload", List.of("{\"id\":1}", "null")));
        List<net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<String>>> each = new ArrayList<>();
        // Mostly the first (valid) values, so that many rows are valid; any value now and then; Connect's parts seldom.
        values.forEach((name, options) -> each.add(net.jqwik.api.Tuple.of(name.equals("schema") || name.equals("payload") ? 1 : 8,
                Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.of(options.subList(0, 2))),
                        net.jqwik.api.Tuple.of(1, Arbitraries.of(options))).map(v -> "\"" + name + "\":" + v))));
        return Arbitraries.frequencyOf(each.toArray(net.jqwik.api.Tuple.Tuple2[]::new));
    }

    private Arbitrary<String> row() {
        Arbitrary<String> id = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, Arbitraries.of("7", "-3").map(v -> "\"id\":" + v)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("9223372036854775807", "9223372036854775808", "1.5", "\"7\"", "null", "1e3", "")
                        .map(v -> v.isEmpty() ? v : "\"id\":" + v)));
        Arbitrary<List<String>> fields = field().list().ofMaxSize(6).uniqueElements(f -> f.substring(0, f.indexOf(':')));
        return Combinators.combine(id, fields, Arbitraries.integers().between(0, 15)).as((i, fs, twice) -> {
            List<String> all = new ArrayList<>(fs);
            if (!i.isEmpty()) {
                all.add(Math.min(all.size(), 1), i);
            }
            if (twice == 0 && !fs.isEmpty()) {
                all.add(fs.get(0));
            }
            return "{" + String.join(",", all) + "}";
        });
    }

    @Provide
    Arbitrary<String> events() {
        Arbitrary<String> tail = Arbitraries.of("", "", "", " ", "\n", "{}", " x", ",");
        return Combinators.combine(row(), Arbitraries.of(0, 0, 0, 1, 1, 2), tail).as((row, wrap, t) -> switch (wrap) {
            case 0 -> row + t;
            case 1 -> connect(row) + t;
            default -> "{\"schema\":" + CONNECT_SCHEMA + ",\"payload\":" + row + ",\"extra\":1}" + t;
        });
    }

    @Provide
    Arbitrary<String> changes() {
        Arbitrary<String> before = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.just("null")), net.jqwik.api.Tuple.of(3, row()),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("5", "[]")));
        Arbitrary<String> after = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, row()), net.jqwik.api.Tuple.of(1, Arbitraries.of("null", "5", "[]")));
        Arbitrary<String> source = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.of(
                "{\"version\":\"3\",\"ts_ms\":1795500000123,\"lsn\":1234,\"txId\":9}", "{\"lsn\":1234,\"ts_ms\":1795500000123}")),
                net.jqwik.api.Tuple.of(3, Arbitraries.of("{\"ts_ms\":1795500000123}", "{\"lsn\":55}", "{\"lsn\":null,\"ts_ms\":null}",
                        "{\"lsn\":-4,\"ts_ms\":1}", "{\"lsn\":\"1\",\"ts_ms\":1}", "{\"lsn\":99999999999999999999,\"ts_ms\":1}",
                        "{\"lsn\":1,\"lsn\":2,\"ts_ms\":1}", "{\"lsn\":3,\"ts_ms\":1,\"x\":{\"y\":1,\"y\":2}}", "null", "[]")));
        Arbitrary<String> op = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, Arbitraries.of("\"c\"", "\"u\"", "\"d\"", "\"r\"")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("\"x\"", "\"\"", "1", "null")));
        Arbitrary<String> ts = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just("1795500000200")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("null", "\"1\"", "1.5")));
        // Every part once, in any order; now and then one missing, one twice, or one more.
        Arbitrary<List<String>> parts = Arbitraries.shuffle("before", "after", "source", "op", "ts_ms", "transaction")
                .flatMap(all -> Arbitraries.of(0, 0, 0, 0, 1, 2, 3).map(change -> {
                    List<String> p = new ArrayList<>(all);
                    switch (change) {
                        case 1 -> p.remove(p.size() - 1);
                        case 2 -> p.add(p.get(0));
                        case 3 -> p.add(1, "extra");
                        default -> {
                        }
                    }
                    return p;
                }));
        Arbitrary<String> tail = Arbitraries.of("", "", "", "", " ", "x");
        return Combinators.combine(before, after, source, op, ts, parts, Arbitraries.of(0, 0, 1), tail)
                .as((b, a, src, o, t, ps, wrap, end) -> {
                    List<String> fields = new ArrayList<>();
                    for (String part : ps) {
                        fields.add(switch (part) {
                            case "before" -> "\"before\":" + b;
                            case "after" -> "\"after\":" + a;
                            case "source" -> "\"source\":" + src;
                            case "op" -> "\"op\":" + o;
                            case "ts_ms" -> "\"ts_ms\":" + t;
                            case "transaction" -> "\"transaction\":{\"id\":\"1:2\",\"total_order\":1}";
                            default -> "\"schema\":null";
                        });
                    }
                    String envelope = "{" + String.join(",", fields) + "}";
                    return (wrap == 1 ? connect(envelope) : envelope) + end;
                });
    }
}
