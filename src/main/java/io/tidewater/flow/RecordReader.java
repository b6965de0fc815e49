package io.tidewater.flow;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidewater.events.ChangeEnvelope;
import io.tidewater.events.EventJson;
import io.tidewater.events.InvalidEventException;
import io.tidewater.flow.FlowSpec.Column;

/** Turns one Kafka record into a flow's row, checking each declared field; an invalid record throws with a reason. */
public final class RecordReader {

    /** One valid record: its bound column values (in {@link FlowSpec#bound()} order) and, for a change, where it came from. */
    public record Row(Object[] values, long lsn, boolean deleted, Instant committedAt) {
    }

    /** What {@link #direct} returns for a record to read in full. */
    static final Row READ_IN_FULL = new Row(new Object[0], 0, false, null);

    private final FlowSpec flow;
    private final List<Column> bound;
    private final int maxBytes;
    private final DirectReader direct;
    /** Per bound column: whether it is a key column (a delete carries those only). */
    private final boolean[] keyColumn;

    public RecordReader(FlowSpec flow, int maxBytes) {
        this.flow = flow;
        this.bound = flow.bound();
        this.maxBytes = maxBytes;
        this.direct = new DirectReader(bound);
        this.keyColumn = new boolean[bound.size()];
        for (int i = 0; i < keyColumn.length; i++) {
            keyColumn[i] = flow.key().contains(bound.get(i).name());
        }
    }

    /** The row of a record, or null for one to skip (a tombstone, or a delete of a flow that ignores deletes). */
    public Row read(String key, String value) {
        return read(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** The same from the record's bytes, as they were read from Kafka. */
    public Row read(String key, byte[] value) {
        Row direct = direct(value);
        return direct != READ_IN_FULL ? direct : readInFull(key, value);
    }

    /**
     * The record read straight into its columns ({@link DirectReader}); {@link #READ_IN_FULL} for a record it does not
     * read, and for one it finds invalid (the full reading gives the reason).
     */
    Row direct(byte[] value) {
        int from = value == null || value.length == 0 ? -1 : EventJson.fieldsFrom(value, maxBytes);
        if (from < 0) {
            return READ_IN_FULL;
        }
        int to = from > 0 ? value.length - 1 : value.length;
        try {
            if (flow.debezium()) {
                DirectReader.Fields f = direct.change(value, from, to);
                if (f == null) {
                    return READ_IN_FULL;
                }
                boolean deleted = f.op().equals("d");
                if (deleted && flow.deletes() == FlowSpec.Deletes.IGNORE) {
                    return null;
                }
                long lsn = f.lsn() < 0 ? ChangeEnvelope.SNAPSHOT_LSN : f.lsn();
                return new Row(values(f.values(), deleted, true), lsn, deleted, Instant.ofEpochMilli(f.tsMs()));
            }
            DirectReader.Fields f = direct.event(value, from, to);
            return f == null ? READ_IN_FULL : new Row(values(f.values(), false, false), 0, false, Instant.now());
        } catch (IOException | RuntimeException e) {
            return READ_IN_FULL;
        }
    }

    /** The record read through its tree (every record {@link #direct} does not read). */
    Row readInFull(String key, byte[] value) {
        if (flow.debezium()) {
            ChangeEnvelope env = ChangeEnvelope.parse(key, value, maxBytes, false);
            if (env == null || env.deleted() && flow.deletes() == FlowSpec.Deletes.IGNORE) {
                return null;
            }
            return new Row(values(env.row(), env.deleted(), true), env.lsn(), env.deleted(), env.committedAt());
        }
        if (value == null || value.length == 0) {
            throw new InvalidEventException("empty event");
        }
        return new Row(values(EventJson.parse(value, maxBytes, false).connectPayload(), false, false), 0, false, Instant.now());
    }

    /** The bound columns' values from their fields' JSON values (null where absent). */
    private Object[] values(JsonNode[] fields, boolean deleted, boolean epochMicros) {
        Object[] out = new Object[bound.size()];
        for (int i = 0; i < out.length; i++) {
            // A delete carries its key only: its other values are the row's (a soft delete keeps them).
            out[i] = deleted && !keyColumn[i] ? Toast.UNAVAILABLE : bind(bound.get(i), fields[i], epochMicros, false);
        }
        return out;
    }

    /** The same from a record read in full. */
    private Object[] values(EventJson json, boolean deleted, boolean epochMicros) {
        JsonNode[] fields = new JsonNode[bound.size()];
        for (int i = 0; i < fields.length; i++) {
            fields[i] = json.field(bound.get(i).field());
        }
        return values(fields, deleted, epochMicros);
    }

    /**
     * A column's bound value from its field's JSON value (null when absent): the declared default when there is none,
     * else the value read and checked. emptyText: an empty string is a text column's value rather than invalid.
     */
    public static Object bind(Column c, JsonNode v, boolean epochMicros, boolean emptyText) {
        // Only a Debezium change (epoch microseconds) carries the unavailable-value placeholder.
        if (epochMicros && Toast.unavailable(v)) {
            return Toast.UNAVAILABLE;
        }
        if (v == null) {
            if (c.required() && c.defaultValue() == null) {
                throw new InvalidEventException("missing required field '" + c.field() + "'");
            }
            return c.defaultValue();
        }
        Object value = emptyText && c.type().name().equals("text") && v.isValueNode() ? v.asText() : c.type().value(c.field(), v, epochMicros);
        check(c, value);
        return value;
    }

    private static void check(Column c, Object value) {
        if (c.values() != null && !c.values().contains(String.valueOf(value))) {
            throw new InvalidEventException("field '" + c.field() + "' must be one of " + c.values() + ", was '" + value + "'");
        }
        if (c.min() != null || c.max() != null) {
            BigDecimal n = ColumnType.number(value);
            if (n == null) {
                return;
            }
            if (c.min() != null && n.compareTo(c.min()) < 0 || c.max() != null && n.compareTo(c.max()) > 0) {
                String range = c.max() == null ? "at least " + c.min().toPlainString() : c.min() == null ? "at most " + c.max().toPlainString()
                        : "between " + c.min().toPlainString() + " and " + c.max().toPlainString();
                throw new InvalidEventException("field '" + c.field() + "' must be " + range + ", was " + n.toPlainString());
            }
        }
    }
}
