package io.tidewater.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;

/**
 * The parts of a Debezium change envelope that loading needs: the operation, the row, and its source position.
 * A delete needs only its key, whatever the source table's replica identity: under DEFAULT (the primary key only) or
 * USING INDEX, {@code before} holds the key columns and Debezium's placeholders for the rest, which are never read;
 * without {@code before} (REPLICA IDENTITY NOTHING) the key comes from the record key.
 */
public record ChangeEnvelope(String op, EventJson row, long lsn, Instant committedAt, String schema) {

    private static final Set<String> OPS = Set.of("c", "u", "d", "r");
    /**
     * The version of a snapshot read without an LSN: below every streamed change, so the version guards load it where the
     * warehouse has no row (or only one without a version, such as an inferred member) and never over a row it has.
     */
    public static final long SNAPSHOT_LSN = 0;

    public boolean deleted() {
        return op.equals("d");
    }

    /** Returns null for a tombstone (the empty record that follows a delete). */
    public static ChangeEnvelope parse(String key, String raw, int maxBytes) {
        return parse(key, raw, maxBytes, false);
    }

    /** keepSchema: the envelope's Connect schema (when the record carries one) is kept as {@link #schema()}. */
    public static ChangeEnvelope parse(String key, String raw, int maxBytes, boolean keepSchema) {
        return parse(key, raw == null ? null : raw.getBytes(StandardCharsets.UTF_8), maxBytes, keepSchema);
    }

    /** The same from the record's bytes (see {@link EventJson#parse(byte[], int, boolean)}). */
    public static ChangeEnvelope parse(String key, byte[] raw, int maxBytes, boolean keepSchema) {
        if (raw == null || raw.length == 0) {
            return null;
        }
        EventJson record = EventJson.parse(raw, maxBytes, keepSchema);
        String schema = record.schemaText();
        EventJson json = record.connectPayload();
        String op = json.oneOf("op", OPS);
        EventJson source = json.object("source");
        EventJson row = op.equals("d") ? deletedKey(json, key, maxBytes) : json.object("after");
        long tsMs = source.has("ts_ms") ? source.longValue("ts_ms") : json.longValue("ts_ms");
        // An incremental snapshot's read carries no LSN: it is the row as read between Debezium's watermarks, in order
        // with the stream around it, and no newer than any change the warehouse already holds.
        long lsn = op.equals("r") && !source.has("lsn") ? SNAPSHOT_LSN : source.longValue("lsn");
        // A log position is never negative; one that is would sort below a snapshot read, which would then replace it.
        if (lsn < 0) {
            throw new InvalidEventException("field 'lsn' must not be negative, was " + lsn);
        }
        return new ChangeEnvelope(op, row, lsn, Instant.ofEpochMilli(tsMs), schema);
    }

    private static EventJson deletedKey(EventJson json, String key, int maxBytes) {
        EventJson before = json.optionalObject("before");
        if (before != null) {
            return before;
        }
        if (key == null || key.isBlank()) {
            throw new InvalidEventException("a delete without 'before' needs the record key to name the deleted row");
        }
        return EventJson.parse(key, maxBytes).connectPayload();
    }
}
