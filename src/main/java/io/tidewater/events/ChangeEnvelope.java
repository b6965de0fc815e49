package io.tidewater.events;

import java.time.Instant;
import java.util.Set;

/** The parts of a Debezium change envelope that loading needs: the operation, the row, and its source position. */
record ChangeEnvelope(String op, EventJson row, long lsn, Instant committedAt) {

    private static final Set<String> OPS = Set.of("c", "u", "d", "r");

    boolean deleted() {
        return op.equals("d");
    }

    /** Returns null for a tombstone (the empty record that follows a delete). */
    static ChangeEnvelope parse(String raw, int maxBytes) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        EventJson json = EventJson.parse(raw, maxBytes).connectPayload();
        String op = json.oneOf("op", OPS);
        EventJson source = json.object("source");
        EventJson row = op.equals("d") ? json.object("before") : json.object("after");
        long tsMs = source.has("ts_ms") ? source.longValue("ts_ms") : json.longValue("ts_ms");
        return new ChangeEnvelope(op, row, source.longValue("lsn"), Instant.ofEpochMilli(tsMs));
    }
}
