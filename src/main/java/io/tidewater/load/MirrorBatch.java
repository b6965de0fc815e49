package io.tidewater.load;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidewater.events.ChangeEnvelope;
import io.tidewater.events.InvalidEventException;
import io.tidewater.flow.ColumnType;
import io.tidewater.flow.ConnectSchema;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.Parameters;
import io.tidewater.flow.RecordReader;
import io.tidewater.flow.Sql;
import io.tidewater.flow.Toast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One polled batch of a mirror flow: each change becomes the row of the source table as it is. Declared columns are read
 * as declared; every other field of the record's Kafka Connect schema becomes a column named and typed after it, so a
 * column added at the source reaches the warehouse by itself. The batch's columns ({@link Batch#columns()}) are the
 * union of its records', and it keeps the newest change of each key.
 */
public class MirrorBatch extends LoadBatch<MirrorBatch.Change> {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorBatch.class);

    /** One change: its values by column, the types of the columns its schema adds, and its source position. */
    public record Change(Map<String, Object> values, Map<String, ColumnType> added, long lsn, boolean deleted) {
    }

    private final int maxBytes;
    /** The declared columns by the field they read. */
    private final Map<String, List<Column>> declared = new HashMap<>();
    private final Set<String> reserved = new HashSet<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    public MirrorBatch(FlowSpec flow, int maxBytes) {
        super(flow);
        this.maxBytes = maxBytes;
        flow.bound().forEach(c -> declared.computeIfAbsent(c.field(), f -> new ArrayList<>()).add(c));
        if (flow.version() != null) {
            reserved.add("source_lsn");
        }
        if (flow.deletes() == FlowSpec.Deletes.SOFT) {
            reserved.add("deleted");
        }
    }

    @Override
    protected Change parse(String key, byte[] value) {
        ChangeEnvelope env = ChangeEnvelope.parse(key, value, maxBytes, true);
        if (env == null || env.deleted() && flow.deletes() == FlowSpec.Deletes.IGNORE) {
            return null;
        }
        ConnectSchema schema = env.schema() == null ? null : ConnectSchema.of(env.schema());
        if (schema == null && warned.add("no schema")) {
            LOG.warn("Flow {}: the changes on {} carry no Kafka Connect schema, so only its declared columns are mirrored. Publish "
                    + "them with schemas (tidewater.capture.schemas=true, or value.converter.schemas.enable=true) to mirror every "
                    + "column, new ones included", flow.name(), flow.topic());
        }
        // Columns in the source's order (declared ones where their field is), then declared ones the schema lacks.
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, ColumnType> added = new LinkedHashMap<>();
        if (schema != null) {
            for (ConnectSchema.Field f : schema.fields().values()) {
                List<Column> readers = declared.get(f.name());
                if (readers != null) {
                    readers.forEach(c -> readDeclared(c, env, schema, values));
                    continue;
                }
                if (env.deleted() && !flow.key().contains(f.name())) {
                    continue;
                }
                if (!Sql.valid(f.name())) {
                    if (warned.add("name " + f.name())) {
                        LOG.warn("Flow {}: the source column '{}' is not mirrored: a column name is lower-case letters, digits and '_'. "
                                + "Declare it with a name of its own (columns: {my_name: {field: \"{}\", type: ...}}) in {}",
                                flow.name(), f.name(), f.name(), flow.file());
                    }
                    continue;
                }
                if (reserved.contains(f.name())) {
                    throw new InvalidEventException("the source column '" + f.name() + "' has the name of the mirror's own column "
                            + f.name() + "; declare it under another name (columns: {source_" + f.name() + ": {field: " + f.name() + ", ...}})");
                }
                JsonNode raw = env.row().field(f.name());
                values.put(f.name(), Toast.unavailable(raw) ? Toast.UNAVAILABLE : RecordReader.bind(f.column(), f.normalize(raw), true, true));
                added.put(f.name(), f.type());
            }
        }
        for (Column c : flow.bound()) {
            if (!values.containsKey(c.name())) {
                readDeclared(c, env, schema, values);
            }
        }
        for (String k : flow.key()) {
            if (values.get(k) == null) {
                throw new InvalidEventException(values.containsKey(k) ? "missing key field '" + k + "'"
                        : "key column '" + k + "' is neither declared nor in the record's schema");
            }
        }
        return new Change(values, added, env.lsn(), env.deleted());
    }

    /** A declared column's value (a delete carries its key only). */
    private void readDeclared(Column c, ChangeEnvelope env, ConnectSchema schema, Map<String, Object> values) {
        if (env.deleted() && !flow.key().contains(c.name())) {
            return;
        }
        ConnectSchema.Field typed = schema == null ? null : schema.fields().get(c.field());
        JsonNode v = env.row().field(c.field());
        if (typed != null && !Toast.unavailable(v)) {
            v = typed.normalize(v);
        }
        // A mirrored text keeps empty strings, which are data too.
        values.put(c.name(), RecordReader.bind(c, v, true, true));
    }

    @Override
    protected void bind(List<Change> changes, Batch out) {
        Map<String, Column> columns = new LinkedHashMap<>();
        for (Change c : changes) {
            for (String name : c.values().keySet()) {
                Column declared = flow.columns().get(name);
                columns.computeIfAbsent(name, n -> declared != null ? declared
                        : FlowSpec.fromSchema(n, c.added().get(n), flow.key().contains(n)));
            }
        }
        flow.columns().forEach(columns::putIfAbsent);
        FlowSpec batch = flow.withColumns(columns);
        Map<List<Object>, Change> newest = new LinkedHashMap<>();
        // In LSN order (a snapshot read first), so that a delete keeps the values of the change right before it.
        for (Change c : changes.stream().sorted(java.util.Comparator.comparingLong(Change::lsn)).toList()) {
            List<Object> key = new ArrayList<>(flow.key().size());
            flow.key().forEach(k -> key.add(c.values().get(k)));
            newest.merge(key, c, MirrorBatch::newer);
        }
        List<Change> rows = new ArrayList<>(newest.values());
        List<Column> bound = batch.bound();
        List<Object[]> values = new ArrayList<>(rows.size());
        rows.forEach(r -> values.add(new Object[bound.size()]));
        for (int i = 0; i < bound.size(); i++) {
            Column col = bound.get(i);
            Object[] array = col.type().newArray(rows.size());
            for (int r = 0; r < rows.size(); r++) {
                Change change = rows.get(r);
                // A delete carries its key only: its other values are the row's (a soft delete keeps them).
                Object v = change.deleted() && !change.values().containsKey(col.name()) ? Toast.UNAVAILABLE : change.values().get(col.name());
                values.get(r)[i] = v;
                array[r] = Toast.bound(v);
            }
            out.bind(Parameters.column(i), array);
        }
        out.bind(Parameters.TOASTS, Toast.toasts(flow, bound.stream().map(Column::name).toList(), values,
                rows.stream().map(Change::deleted).toList()));
        out.bind(Parameters.LSNS, rows.stream().map(Change::lsn).toArray(Long[]::new));
        out.bind(Parameters.DELETES, rows.stream().map(Change::deleted).toArray(Boolean[]::new));
        out.bound(rows.size(), 1, false, batch);
    }

    /** The newer change of a key; a delete keeps the values of the change it follows, which a soft delete keeps. */
    private static Change newer(Change a, Change b) {
        Change newer = a.lsn() > b.lsn() ? a : b;
        Change older = newer == a ? b : a;
        if (newer.deleted()) {
            // A delete carries its key only: the values are the older change's (another delete's are the row's).
            return new Change(older.values(), older.added(), newer.lsn(), true);
        }
        if (!newer.values().containsValue(Toast.UNAVAILABLE)) {
            return newer;
        }
        // A value the newer change could not carry (TOAST) is the one an older change of the batch had.
        Map<String, Object> values = new LinkedHashMap<>(newer.values());
        values.replaceAll((k, v) -> Toast.carried(v, older.values().containsKey(k) ? older.values().get(k) : v));
        return new Change(values, newer.added(), newer.lsn(), false);
    }
}
