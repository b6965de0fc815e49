package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.FlowSpec.Lookup;

/**
 * The batch statement of a fact flow: inserted once by key (or upserted under a version guard), its lookups'
 * inferred members share-locked, its rollups given the differences (see {@link FlowSql}).
 */
public final class FactSql {

    private FactSql() {
    }

    /** A fact: inserted once by key; a replayed record updates what changed; rollups get the differences. */
    public static String fact(FlowSpec f, Map<String, FlowSpec> dimensions) {
        if (f.version() != null) {
            return versioned(f);
        }
        List<String> into = f.lookups().stream().map(Lookup::into).toList();
        List<String> stored = new ArrayList<>(f.stored().stream().map(Column::name).toList());
        stored.addAll(into);
        List<String> inputCols = new ArrayList<>(FlowSql.boundNames(f));
        inputCols.addAll(into);
        List<String> updatable = f.stored().stream().map(Column::name)
                .filter(c -> !f.key().contains(c) && f.lookups().stream().noneMatch(l -> l.column().equals(c))).toList();
        List<String> kept = f.stored().stream().map(Column::name)
                .filter(c -> !f.key().contains(c) && f.lookups().stream().anyMatch(l -> l.column().equals(c))).toList();
        StringBuilder sql = new StringBuilder();
        if (!f.rollups().isEmpty() && !f.lookups().isEmpty()) {
            sql.append(lockInferred(f, dimensions));
        }
        String key = FlowSql.names(f.key());
        sql.append("WITH input AS (\n    SELECT DISTINCT ON (").append(key).append(") * FROM ")
                .append(FlowSql.unnest(f, "", FlowSql.lookupParams(f))).append(" WITH ORDINALITY AS e(").append(FlowSql.names(inputCols)).append(", n)\n    ORDER BY ")
                .append(key).append(", n DESC\n), mapped (").append(FlowSql.names(stored)).append(") AS (\n    SELECT ");
        StringJoiner m = new StringJoiner(", ");
        f.stored().forEach(c -> m.add(FlowSql.mapped(c)));
        into.forEach(c -> m.add(id(c)));
        sql.append(m).append(" FROM input\n), inserted AS (\n    INSERT INTO ").append(id(f.table())).append(" (").append(FlowSql.names(stored))
                .append(", ").append(id(FlowSql.PLACEHOLDER)).append(") SELECT *, FALSE FROM mapped ON CONFLICT (").append(key)
                .append(") DO NOTHING RETURNING ").append(FlowSql.names(stored))
                .append("\n), changed AS (\n    UPDATE ").append(id(f.table())).append(" f SET ");
        appendChanged(sql, f, stored, updatable, kept, into);
        appendTotals(sql, f, stored, dimensions);
        return sql.append(FlowSql.OFFSETS).toString();
    }

    /**
     * The CTE changed: a replayed record updates the row of its key where a value differs. A placeholder row (a patch's,
     * made before its fact arrived) becomes the fact: it takes every column, the lookups' included; a fact loaded before
     * keeps its lookups' keys as first loaded.
     */
    private static void appendChanged(StringBuilder sql, FlowSpec f, List<String> stored, List<String> updatable, List<String> kept,
                                      List<String> into) {
        String keyMatchF = f.key().stream().map(k -> "f." + id(k) + " = m." + id(k)).collect(Collectors.joining(" AND "));
        String keyMatchP = f.key().stream().map(k -> "p." + id(k) + " = m." + id(k)).collect(Collectors.joining(" AND "));
        String keyMatchI = f.key().stream().map(k -> "i." + id(k) + " = m." + id(k)).collect(Collectors.joining(" AND "));
        StringJoiner setCols = new StringJoiner(", ");
        updatable.forEach(c -> setCols.add(id(c) + " = m." + id(c)));
        kept.forEach(c -> setCols.add(id(c) + " = CASE WHEN p." + id(FlowSql.PLACEHOLDER) + " THEN m." + id(c) + " ELSE p." + id(c) + " END"));
        into.forEach(c -> setCols.add(id(c) + " = CASE WHEN p." + id(FlowSql.PLACEHOLDER) + " THEN m." + id(c) + " ELSE p." + id(c) + " END"));
        setCols.add(id(FlowSql.PLACEHOLDER) + " = FALSE");
        sql.append(setCols);
        sql.append("\n    FROM mapped m, ").append(id(f.table())).append(" p\n    WHERE ").append(keyMatchF).append(" AND ").append(keyMatchP)
                // A batch of new records only (the usual case) skips the join: a one-time filter, evaluated before it.
                .append("\n      AND (SELECT count(*) FROM inserted) < (SELECT count(*) FROM mapped)")
                .append("\n      AND NOT EXISTS (SELECT 1 FROM inserted i WHERE ").append(keyMatchI).append(")\n      AND ");
        sql.append("(p.").append(id(FlowSql.PLACEHOLDER));
        if (!updatable.isEmpty()) {
            sql.append(" OR (").append(updatable.stream().map(c -> "p." + id(c)).collect(Collectors.joining(", "))).append(") IS DISTINCT FROM (")
                    .append(updatable.stream().map(c -> "m." + id(c)).collect(Collectors.joining(", "))).append(")");
        }
        sql.append(")\n    RETURNING ").append(stored.stream().map(c -> "f." + id(c)).collect(Collectors.joining(", "))).append(", ")
                .append(stored.stream().map(c -> "p." + id(c) + " AS \"old-" + c + "\"").collect(Collectors.joining(", ")))
                .append(", p.").append(id(FlowSql.PLACEHOLDER)).append(" AS \"old-placeholder\"\n)");
    }

    /** What the statement returns (the rows it wrote), after the rollups' upserts of the differences when it rolls up. */
    private static void appendTotals(StringBuilder sql, FlowSpec f, List<String> stored, Map<String, FlowSpec> dimensions) {
        if (f.rollups().isEmpty()) {
            sql.append("\nSELECT (SELECT count(*) FROM inserted) + (SELECT count(*) FROM changed);\n");
        } else {
            sql.append(", delta AS (\n    SELECT ").append(FlowSql.names(stored)).append(", 1 AS \"sign-\" FROM inserted\n    UNION ALL SELECT ")
                    .append(FlowSql.names(stored)).append(", 1 FROM changed\n    UNION ALL SELECT ")
                    .append(stored.stream().map(c -> "\"old-" + c + "\"").collect(Collectors.joining(", ")))
                    // A placeholder was no fact: nothing of it was counted, so nothing is taken away.
                    .append(", -1 FROM changed WHERE NOT \"old-placeholder\"\n)");
            List<String> upserts = f.rollups().stream().map(rollup -> RollupSql.rollupUpsert(f, rollup, "SELECT " + RollupSql.groupSelect(rollup) + ", "
                    + RollupSql.measureSelect(f, rollup, "fact.\"sign-\"") + "\n    FROM delta fact" + joins(f, dimensions, null) + "\n    GROUP BY "
                    + RollupSql.groupOrdinals(rollup))).toList();
            RollupSql.appendUpserts(sql, "r", f.rollups(), upserts, "(SELECT count(*) FROM inserted) + (SELECT count(*) FROM changed)");
        }
    }

    /**
     * The first statement of a fact batch that rolls up: a share lock on each inferred member it looks up (i0..), per
     * dimension in key order, so no dimension batch fills one in while this batch's facts go to its unknown groups.
     */
    static String lockInferred(FlowSpec f, Map<String, FlowSpec> dimensions) {
        Map<String, List<String>> byDimension = new LinkedHashMap<>();
        for (int j = 0; j < f.lookups().size(); j++) {
            byDimension.computeIfAbsent(f.lookups().get(j).dimension(), k -> new ArrayList<>()).add(Parameters.param(Parameters.inferredKeys(j), "bigint[]"));
        }
        StringJoiner counts = new StringJoiner(" + ");
        byDimension.forEach((name, params) -> {
            FlowSpec d = dimensions.get(name);
            String sk = id(d.dimension().surrogateKey());
            counts.add("(SELECT count(*) FROM (SELECT 1 FROM " + id(d.table()) + " d WHERE d." + sk + " = ANY (" + String.join(" || ", params)
                    + ") AND d.\"is_inferred\" ORDER BY d." + sk + " FOR SHARE) l)");
        });
        return "SELECT " + counts + ";\n";
    }

    /** The fact's lookups joined by surrogate key, each under its name; {@code nulled} joined to nothing instead. */
    static String joins(FlowSpec f, Map<String, FlowSpec> dimensions, String nulled) {
        StringBuilder j = new StringBuilder();
        for (Lookup l : f.lookups()) {
            FlowSpec d = dimensions.get(l.dimension());
            j.append("\n    LEFT JOIN ").append(id(d.table())).append(" ").append(id(l.name())).append(" ON ");
            if (l.name().equals(nulled)) {
                j.append("FALSE");
            } else {
                j.append(id(l.name())).append(".").append(id(d.dimension().surrogateKey())).append(" = fact.").append(id(l.into()));
            }
        }
        return j.toString();
    }

    /** A fact with a version guard: newest change per key (by LSN) upserted only over an older one; deletes soft or hard. */
    static String versioned(FlowSpec f) {
        List<String> into = f.lookups().stream().map(Lookup::into).toList();
        List<String> stored = new ArrayList<>(f.stored().stream().map(Column::name).toList());
        stored.addAll(into);
        List<String> inputCols = new ArrayList<>(FlowSql.boundNames(f));
        inputCols.addAll(into);
        inputCols.add("source_lsn");
        inputCols.add("deleted");
        List<String> extra = new ArrayList<>(FlowSql.lookupParams(f));
        extra.add(Parameters.param(Parameters.LSNS, "bigint[]"));
        extra.add(Parameters.param(Parameters.DELETES, "boolean[]"));
        String key = FlowSql.names(f.key());
        String t = id(f.table());
        if (f.versionColumn() != null) {
            return byVersionColumn(f, stored, inputCols, extra);
        }
        String input = "WITH " + FlowSql.untoasted(f, "", extra, inputCols, false);
        StringBuilder sql = new StringBuilder(input).append("\nINSERT INTO ").append(t).append(" AS f (").append(FlowSql.names(stored))
                .append(", \"source_lsn\"");
        boolean soft = f.deletes() == FlowSpec.Deletes.SOFT;
        if (soft) {
            sql.append(", \"deleted\"");
        }
        StringJoiner m = new StringJoiner(", ");
        f.stored().forEach(c -> m.add(FlowSql.mapped(c)));
        into.forEach(c -> m.add(id(c)));
        m.add("\"source_lsn\"");
        if (soft) {
            m.add("\"deleted\"");
        }
        sql.append(")\nSELECT ").append(m).append(" FROM input");
        if (!soft) {
            sql.append(" WHERE NOT \"deleted\"");
        }
        sql.append(" ORDER BY ").append(key).append("\nON CONFLICT (").append(key).append(") DO UPDATE SET ");
        StringJoiner set = new StringJoiner(", ");
        for (String c : stored) {
            if (!f.key().contains(c)) {
                // A delete's values are the row's already (read for the columns it does not carry); a lookup's key it
                // does not look up stays as it is.
                set.add(id(c) + " = " + (soft && into.contains(c) ? "CASE WHEN EXCLUDED.\"deleted\" THEN coalesce(EXCLUDED." + id(c) + ", f." + id(c)
                        + ") ELSE EXCLUDED." + id(c) + " END" : "EXCLUDED." + id(c)));
            }
        }
        set.add("\"source_lsn\" = EXCLUDED.\"source_lsn\"");
        if (soft) {
            set.add("\"deleted\" = EXCLUDED.\"deleted\"");
        }
        sql.append(set).append("\n    WHERE f.\"source_lsn\" IS NULL OR f.\"source_lsn\" < EXCLUDED.\"source_lsn\";\n");
        if (!soft && f.deletes() == FlowSpec.Deletes.HARD) {
            sql.append(input).append("\nDELETE FROM ").append(t).append(" f USING input i WHERE i.\"deleted\" AND ")
                    .append(f.key().stream().map(k -> "f." + id(k) + " = i." + id(k)).collect(Collectors.joining(" AND ")))
                    .append(" AND (f.\"source_lsn\" IS NULL OR f.\"source_lsn\" < i.\"source_lsn\");\n");
        }
        return sql.append(FlowSql.OFFSETS).toString();
    }

    /** A fact guarded by a declared version column: the newest record per key, upserted only over an older version. */
    static String byVersionColumn(FlowSpec f, List<String> stored, List<String> inputCols, List<String> extra) {
        String key = FlowSql.names(f.key());
        String v = id(f.versionColumn());
        StringJoiner m = new StringJoiner(", ");
        f.stored().forEach(c -> m.add(FlowSql.mapped(c)));
        f.lookups().forEach(l -> m.add(id(l.into())));
        StringJoiner set = new StringJoiner(", ");
        for (String c : stored) {
            if (!f.key().contains(c)) {
                set.add(id(c) + " = EXCLUDED." + id(c));
            }
        }
        return "WITH " + FlowSql.untoasted(f, "", extra, inputCols, false) + "\nINSERT INTO "
                + id(f.table()) + " AS f (" + FlowSql.names(stored) + ")\nSELECT " + m + " FROM input ORDER BY " + key + "\nON CONFLICT (" + key
                + ") DO UPDATE SET " + set + "\n    WHERE f." + v + " IS NULL OR f." + v + " < EXCLUDED." + v + ";\n" + FlowSql.OFFSETS;
    }
}
