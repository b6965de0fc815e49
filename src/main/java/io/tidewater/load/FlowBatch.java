package io.tidewater.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import io.tidewater.flow.ColumnType;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.Parameters;
import io.tidewater.flow.RecordReader;
import io.tidewater.flow.RecordReader.Row;
import io.tidewater.flow.TemporalValues;
import io.tidewater.flow.Toast;

/**
 * How a fact, patch or dimension flow binds a batch: its rows as column arrays ({@link Parameters}): a versioned fact keeps the newest change per key, a dimension
 * is split in rounds that change each key at most once, and each lookup gets its column's values to resolve.
 */
public class FlowBatch extends LoadBatch<Row> {

    private final RecordReader reader;
    private final List<Column> bound;
    private final int[] keyIndexes;
    /** The bound column a version guard compares, or -1. */
    private final int versionIndex;

    public FlowBatch(FlowSpec flow, int maxBytes) {
        super(flow);
        this.reader = new RecordReader(flow, maxBytes);
        this.bound = flow.bound();
        List<String> names = bound.stream().map(Column::name).toList();
        this.keyIndexes = flow.key().stream().mapToInt(names::indexOf).toArray();
        this.versionIndex = flow.versionColumn() == null ? -1 : names.indexOf(flow.versionColumn());
    }

    @Override
    protected Row parse(String key, byte[] value) {
        return reader.read(key, value);
    }

    private List<Object> keyOf(Row r) {
        List<Object> k = new ArrayList<>(keyIndexes.length);
        for (int i : keyIndexes) {
            k.add(r.values()[i]);
        }
        return k;
    }

    @Override
    protected void bind(List<Row> rows, Batch out) {
        List<Row> bind = rows;
        if (flow.kind() == FlowSpec.Kind.DIMENSION) {
            rounds(rows, out);
            return;
        }
        if (flow.version() != null && flow.kind() == FlowSpec.Kind.FACT) {
            Map<List<Object>, Row> newest = new LinkedHashMap<>();
            // In LSN order (a snapshot read first), so that a delete keeps the values of the change right before it.
            List<Row> ordered = flow.versionColumn() == null ? rows.stream().sorted(Comparator.comparingLong(Row::lsn)).toList() : rows;
            for (Row r : ordered) {
                newest.merge(keyOf(r), r, flow.versionColumn() == null ? FlowBatch::newer : this::newerByColumn);
            }
            bind = new ArrayList<>(newest.values());
            out.bind(Parameters.LSNS, bind.stream().map(Row::lsn).toArray(Long[]::new));
            out.bind(Parameters.DELETES, bind.stream().map(Row::deleted).toArray(Boolean[]::new));
        }
        bindColumns(bind, "", out);
        for (int j = 0; j < flow.lookups().size(); j++) {
            int col = indexOf(flow.lookups().get(j).column());
            Object[] values = new Object[bind.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = Toast.bound(bind.get(i).values()[col]);
            }
            out.lookup(values);
        }
        out.bound(bind.size(), 1, false, null);
    }

    private int indexOf(String column) {
        for (int i = 0; i < bound.size(); i++) {
            if (bound.get(i).name().equals(column)) {
                return i;
            }
        }
        throw new IllegalStateException("no bound column " + column);
    }

    /** The newer change of a key; a delete that carries only the key keeps the values of the older change in the batch. */
    private static Row newer(Row a, Row b) {
        Row newer = a.lsn() >= b.lsn() ? a : b;
        Row older = newer == a ? b : a;
        if (newer.deleted()) {
            // A delete carries its key only: the values are the older change's (another delete's are the row's).
            Object[] values = older.values().clone();
            return new Row(values, newer.lsn(), true, newer.committedAt());
        }
        return carryUnavailable(newer, older);
    }

    /** The newer row, with the values an older change of the batch had where the newer one carries the TOAST placeholder. */
    private static Row carryUnavailable(Row newer, Row older) {
        Object[] values = null;
        for (int i = 0; i < newer.values().length; i++) {
            if (newer.values()[i] == Toast.UNAVAILABLE && older.values()[i] != Toast.UNAVAILABLE) {
                values = values == null ? newer.values().clone() : values;
                values[i] = older.values()[i];
            }
        }
        return values == null ? newer : new Row(values, newer.lsn(), newer.deleted(), newer.committedAt());
    }

    /** The record with the greater version column (the later one of two equal versions). */
    private Row newerByColumn(Row a, Row b) {
        boolean bNewer = compareVersions(b.values()[versionIndex], a.values()[versionIndex]) >= 0;
        return carryUnavailable(bNewer ? b : a, bNewer ? a : b);
    }

    /**
     * Orders two bound values of a version column as PostgreSQL does: numbers as numbers, timestamps as instants, dates
     * as dates (BC ones included), infinity after all of them and -infinity before.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static int compareVersions(Object x, Object y) {
        int ex = TemporalValues.infinity(x);
        int ey = TemporalValues.infinity(y);
        if (ex != 0 || ey != 0) {
            return Integer.compare(ex, ey);
        }
        return ((Comparable) version(x)).compareTo(version(y));
    }

    /**
     * A finite bound version value as something comparable: a number (a negative one included), an instant or a date (a
     * dash past the first character, which a bound number never has).
     */
    private static Comparable<?> version(Object bound) {
        if (bound instanceof String s && s.indexOf('-', 1) > 0) {
            return TemporalValues.temporal(s);
        }
        return ColumnType.number(bound);
    }

    /** A dimension's changes in LSN order, in rounds: round n holds the n-th change of each key. */
    private void rounds(List<Row> rows, Batch out) {
        List<Row> sorted = rows.stream().sorted(Comparator.comparingLong(Row::lsn)).toList();
        List<List<Row>> rounds = new ArrayList<>();
        Map<List<Object>, Integer> seen = new HashMap<>();
        LinkedHashSet<Object> keys = new LinkedHashSet<>();
        for (Row r : sorted) {
            List<Object> k = keyOf(r);
            keys.add(k.get(0));
            int round = seen.merge(k, 1, Integer::sum) - 1;
            if (round == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(r);
        }
        if (rounds.isEmpty()) {
            rounds.add(List.of());
        }
        for (int i = 0; i < rounds.size(); i++) {
            List<Row> round = rounds.get(i);
            String s = Parameters.roundSuffix(i);
            bindColumns(round, s, out);
            out.bind(Parameters.round(Parameters.CHANGED_ATS, s), round.stream().map(r -> r.committedAt().toString()).toArray(String[]::new));
            out.bind(Parameters.round(Parameters.LSNS, s), round.stream().map(Row::lsn).toArray(Long[]::new));
            out.bind(Parameters.round(Parameters.DELETES, s), round.stream().map(Row::deleted).toArray(Boolean[]::new));
        }
        Object[] lockKeys = bound.get(keyIndexes[0]).type().newArray(keys.size());
        out.bind(Parameters.LOCK_KEYS, keys.toArray(lockKeys));
        out.bind(Parameters.WRITE_THROUGH_KEYS, Arrays.copyOf(keys.toArray(lockKeys), keys.size()));
        out.bound(sorted.size(), rounds.size(), !keys.isEmpty(), null);
    }

    private void bindColumns(List<Row> rows, String suffix, Batch out) {
        Object[][] columns = new Object[bound.size()][];
        for (int c = 0; c < columns.length; c++) {
            columns[c] = bound.get(c).type().newArray(rows.size());
        }
        // Row by row: each row's values are read once, in order.
        for (int i = 0; i < rows.size(); i++) {
            Object[] values = rows.get(i).values();
            for (int c = 0; c < columns.length; c++) {
                columns[c][i] = Toast.bound(values[c]);
            }
        }
        for (int c = 0; c < columns.length; c++) {
            out.bind(Parameters.round(Parameters.column(c), suffix), columns[c]);
        }
        if (flow.debezium()) {
            out.bind(Parameters.round(Parameters.TOASTS, suffix), Toast.toasts(flow, bound.stream().map(Column::name).toList(), rows.stream().map(Row::values).toList(),
                    rows.stream().map(Row::deleted).toList()));
        }
    }
}
