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
import io.tidewater.flow.FlowSpec.Rollup;

/**
 * The batch statements of a flow, generated from its declaration: every value a bound array parameter, every name a
 * validated, quoted identifier. Parameters: c0.. (the bound columns), k0.. (the lookups' surrogate keys), lsns, deletes,
 * changedAts, and the batch's offsets; a dimension's rounds suffix them with _r0.., one round per change of a key.
 *
 * <p>Rollups take no table-wide lock. Their upserts add differences (commutative), each statement in the order of the
 * groups, so concurrent writers only meet on the rows of the groups they share. What must not interleave is a fact batch
 * and the filling-in of an inferred member it looks up: a fact batch that rolls up takes a share lock on the inferred
 * members it looks up (parameters i0.., the surrogate keys its cache holds without a source LSN), and a dimension batch
 * takes an update lock on the inferred members it may fill in, both in key order. So either the fact batch commits first
 * and the member's move sees its facts, or it waits and its statement sees the member filled in. A group whose count
 * reaches 0 is deleted by key, found in what the upserts returned; no statement scans a rollup.
 */
public final class FlowSql {

    /** The transaction setting that holds the groups a rollup upsert left with a count of 0 (prefix; the upsert's tag follows). */
    private static final String EMPTIED = "tidewater.emptied_";
    /** The transaction setting that holds a dimension batch's inferred members (surrogate keys) until its moves. */
    private static final String INFERRED = "tidewater.inferred";
    /**
     * The column of an unversioned fact's table that marks a placeholder: a row a patch made before its fact arrived,
     * which is no fact (no rollup counts it) until the fact fills it in.
     */
    public static final String PLACEHOLDER = "is_placeholder";
    static final String OFFSETS = """
            INSERT INTO etl_offsets (consumer_group, topic, partition, next_offset, updated_at)
            SELECT :?group::text, t, p, o, now() FROM unnest(:?offTopics::text[], :?offPartitions::int[], :?offNext::bigint[]) AS x(t, p, o)
            ON CONFLICT (consumer_group, topic, partition)
                DO UPDATE SET next_offset = GREATEST(etl_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()""";

    private FlowSql() {
    }

    /**
     * The CTEs "raw-" (the batch as bound, each row with "toast-": the columns that carry Debezium's TOAST placeholder)
     * and input (the same columns, each TOASTed one read from the table's row of the same key, for a dimension its
     * current version): a value a change could not carry keeps what the warehouse has. The WITH is already open.
     */
    private static String untoasted(FlowSpec f, String suffix, List<String> extra, List<String> aliases, boolean current) {
        if (!f.debezium()) {
            return "input AS (\n    SELECT * FROM " + unnest(f, suffix, extra) + " AS e(" + String.join(", ",
                    aliases.stream().map(a -> a.startsWith("\"") ? a : id(a)).toList()) + ")\n)";
        }
        List<String> params = new ArrayList<>(extra);
        params.add(":?toasts" + suffix + "::text[]");
        List<String> raw = new ArrayList<>(aliases.stream().map(a -> a.startsWith("\"") ? a : id(a)).toList());
        raw.add("\"toast-\"");
        StringJoiner select = new StringJoiner(", ");
        Map<String, Column> cols = f.columns();
        String match = f.key().stream().map(k -> "x." + id(k) + " = e." + id(k)).collect(Collectors.joining(" AND "))
                + (current ? " AND x.\"is_current\"" : "");
        for (String a : aliases) {
            Column c = a.startsWith("\"") ? null : cols.get(a);
            if (c == null || f.key().contains(a) || !c.stored() || c.expression() != null) {
                select.add("e." + (a.startsWith("\"") ? a : id(a)));
            } else {
                select.add("CASE WHEN strpos(e.\"toast-\", '," + a + ",') > 0 THEN (SELECT x." + id(a) + " FROM " + id(f.table()) + " x WHERE "
                        + match + ") ELSE e." + id(a) + " END AS " + id(a));
            }
        }
        return "\"raw-\" AS (\n    SELECT * FROM " + unnest(f, suffix, params) + " AS e(" + String.join(", ", raw) + ")\n), input AS (\n    SELECT "
                + select + " FROM \"raw-\" e\n)";
    }

    /** The unnest(...) of the bound columns (c0..), then the given extra parameters. */
    private static String unnest(FlowSpec f, String suffix, List<String> extra) {
        StringJoiner args = new StringJoiner(", ");
        List<Column> bound = f.bound();
        for (int i = 0; i < bound.size(); i++) {
            args.add(":?c" + i + suffix + "::" + bound.get(i).type().arrayCast());
        }
        extra.forEach(args::add);
        return "unnest(" + args + ")";
    }

    private static String names(List<String> cols) {
        return cols.stream().map(Sql::id).collect(Collectors.joining(", "));
    }

    private static List<String> boundNames(FlowSpec f) {
        return f.bound().stream().map(Column::name).toList();
    }

    /** The value of each stored column from the input row: the column itself, or its expression. */
    private static String mapped(Column c) {
        return c.expression() == null ? id(c.name()) : "(" + c.expression() + ")";
    }

    private static List<String> lookupParams(FlowSpec f) {
        List<String> p = new ArrayList<>();
        for (int j = 0; j < f.lookups().size(); j++) {
            p.add(":?k" + j + "::bigint[]");
        }
        return p;
    }

    /** A fact: inserted once by key; a replayed record updates what changed; rollups get the differences. */
    public static String fact(FlowSpec f, Map<String, FlowSpec> dimensions) {
        if (f.version() != null) {
            return versioned(f);
        }
        List<String> into = f.lookups().stream().map(Lookup::into).toList();
        List<String> stored = new ArrayList<>(f.stored().stream().map(Column::name).toList());
        stored.addAll(into);
        List<String> inputCols = new ArrayList<>(boundNames(f));
        inputCols.addAll(into);
        List<String> updatable = f.stored().stream().map(Column::name)
                .filter(c -> !f.key().contains(c) && f.lookups().stream().noneMatch(l -> l.column().equals(c))).toList();
        List<String> kept = f.stored().stream().map(Column::name)
                .filter(c -> !f.key().contains(c) && f.lookups().stream().anyMatch(l -> l.column().equals(c))).toList();
        StringBuilder sql = new StringBuilder();
        if (!f.rollups().isEmpty() && !f.lookups().isEmpty()) {
            sql.append(lockInferred(f, dimensions));
        }
        String key = names(f.key());
        sql.append("WITH input AS (\n    SELECT DISTINCT ON (").append(key).append(") * FROM ")
                .append(unnest(f, "", lookupParams(f))).append(" WITH ORDINALITY AS e(").append(names(inputCols)).append(", n)\n    ORDER BY ")
                .append(key).append(", n DESC\n), mapped (").append(names(stored)).append(") AS (\n    SELECT ");
        StringJoiner m = new StringJoiner(", ");
        f.stored().forEach(c -> m.add(mapped(c)));
        into.forEach(c -> m.add(id(c)));
        sql.append(m).append(" FROM input\n), inserted AS (\n    INSERT INTO ").append(id(f.table())).append(" (").append(names(stored))
                .append(", ").append(id(PLACEHOLDER)).append(") SELECT *, FALSE FROM mapped ON CONFLICT (").append(key)
                .append(") DO NOTHING RETURNING ").append(names(stored))
                .append("\n), changed AS (\n    UPDATE ").append(id(f.table())).append(" f SET ");
        String keyMatchF = f.key().stream().map(k -> "f." + id(k) + " = m." + id(k)).collect(Collectors.joining(" AND "));
        String keyMatchP = f.key().stream().map(k -> "p." + id(k) + " = m." + id(k)).collect(Collectors.joining(" AND "));
        String keyMatchI = f.key().stream().map(k -> "i." + id(k) + " = m." + id(k)).collect(Collectors.joining(" AND "));
        // A placeholder row (a patch's, made before its fact arrived) becomes the fact: it takes every column, the
        // lookups' included; a fact loaded before keeps its lookups' keys as first loaded.
        StringJoiner setCols = new StringJoiner(", ");
        updatable.forEach(c -> setCols.add(id(c) + " = m." + id(c)));
        kept.forEach(c -> setCols.add(id(c) + " = CASE WHEN p." + id(PLACEHOLDER) + " THEN m." + id(c) + " ELSE p." + id(c) + " END"));
        into.forEach(c -> setCols.add(id(c) + " = CASE WHEN p." + id(PLACEHOLDER) + " THEN m." + id(c) + " ELSE p." + id(c) + " END"));
        setCols.add(id(PLACEHOLDER) + " = FALSE");
        sql.append(setCols);
        sql.append("\n    FROM mapped m, ").append(id(f.table())).append(" p\n    WHERE ").append(keyMatchF).append(" AND ").append(keyMatchP)
                // A batch of new records only (the usual case) skips the join: a one-time filter, evaluated before it.
                .append("\n      AND (SELECT count(*) FROM inserted) < (SELECT count(*) FROM mapped)")
                .append("\n      AND NOT EXISTS (SELECT 1 FROM inserted i WHERE ").append(keyMatchI).append(")\n      AND ");
        sql.append("(p.").append(id(PLACEHOLDER));
        if (!updatable.isEmpty()) {
            sql.append(" OR (").append(updatable.stream().map(c -> "p." + id(c)).collect(Collectors.joining(", "))).append(") IS DISTINCT FROM (")
                    .append(updatable.stream().map(c -> "m." + id(c)).collect(Collectors.joining(", "))).append(")");
        }
        sql.append(")\n    RETURNING ").append(stored.stream().map(c -> "f." + id(c)).collect(Collectors.joining(", "))).append(", ")
                .append(stored.stream().map(c -> "p." + id(c) + " AS \"old-" + c + "\"").collect(Collectors.joining(", ")))
                .append(", p.").append(id(PLACEHOLDER)).append(" AS \"old-placeholder\"\n)");
        if (f.rollups().isEmpty()) {
            sql.append("\nSELECT (SELECT count(*) FROM inserted) + (SELECT count(*) FROM changed);\n");
        } else {
            sql.append(", delta AS (\n    SELECT ").append(names(stored)).append(", 1 AS \"sign-\" FROM inserted\n    UNION ALL SELECT ")
                    .append(names(stored)).append(", 1 FROM changed\n    UNION ALL SELECT ")
                    .append(stored.stream().map(c -> "\"old-" + c + "\"").collect(Collectors.joining(", ")))
                    // A placeholder was no fact: nothing of it was counted, so nothing is taken away.
                    .append(", -1 FROM changed WHERE NOT \"old-placeholder\"\n)");
            List<String> upserts = f.rollups().stream().map(rollup -> rollupUpsert(f, rollup, "SELECT " + groupSelect(rollup) + ", "
                    + measureSelect(f, rollup, "fact.\"sign-\"") + "\n    FROM delta fact" + joins(f, dimensions, null) + "\n    GROUP BY "
                    + groupOrdinals(rollup))).toList();
            appendUpserts(sql, "r", f.rollups(), upserts, "(SELECT count(*) FROM inserted) + (SELECT count(*) FROM changed)");
        }
        return sql.append(OFFSETS).toString();
    }

    private static String groupSelect(Rollup r) {
        return String.join(", ", r.groupBy().values().stream().map(e -> "(" + e + ")").toList());
    }

    private static String groupOrdinals(Rollup r) {
        StringJoiner j = new StringJoiner(", ");
        for (int i = 1; i <= r.groupBy().size(); i++) {
            j.add(String.valueOf(i));
        }
        return j.toString();
    }

    /**
     * The measures of a rollup, each multiplied by the sign of the row (1 added, -1 taken away), then the counts of the
     * values of its nullable sums ({@link #valueCounts}): a new group none of whose values is there gets a NULL sum (SQL's
     * sum skips NULLs), and the upsert makes a group's sum NULL when its count of values comes to 0.
     */
    private static String measureSelect(FlowSpec f, Rollup r, String sign) {
        StringJoiner out = new StringJoiner(", ");
        Map<String, String> counts = valueCounts(f, r);
        r.measures().forEach((name, m) -> {
            if (m.column() == null) {
                out.add("sum(" + sign + ")");
            } else {
                out.add("sum(" + sign + " * fact." + id(m.column()) + ")");
            }
        });
        counts.forEach((name, count) -> out.add("sum(" + sign + " * (fact." + id(r.measures().get(name).column()) + " IS NOT NULL)::int)"));
        return out.toString();
    }

    /**
     * The sums of a rollup over a column that may be NULL, each with the column counting its values (measure_count):
     * SQL's sum skips NULLs and is NULL when no value is left, which differences alone cannot tell.
     */
    public static Map<String, String> valueCounts(FlowSpec f, Rollup r) {
        Map<String, String> out = new LinkedHashMap<>();
        r.measures().forEach((name, m) -> {
            if (m.column() != null && f.columns().get(m.column()).nullable()) {
                out.put(name, name + "_count");
            }
        });
        return out;
    }

    /**
     * The differences added to a rollup, in the order of its groups; a rollup with a count returns its changed rows (as
     * "row-", of the table's row type) for {@link #rememberEmptied}.
     */
    private static String rollupUpsert(FlowSpec f, Rollup r, String select) {
        List<String> groups = new ArrayList<>(r.groupBy().keySet());
        Map<String, String> counts = valueCounts(f, r);
        List<String> all = new ArrayList<>(groups);
        all.addAll(r.measures().keySet());
        all.addAll(counts.values());
        StringJoiner set = new StringJoiner(", ");
        for (String m : r.measures().keySet()) {
            String count = counts.get(m);
            set.add(count == null ? id(m) + " = a." + id(m) + " + EXCLUDED." + id(m)
                    : id(m) + " = CASE WHEN a." + id(count) + " + EXCLUDED." + id(count) + " = 0 THEN NULL ELSE coalesce(a." + id(m)
                    + ", 0) + coalesce(EXCLUDED." + id(m) + ", 0) END");
        }
        counts.values().forEach(c -> set.add(id(c) + " = a." + id(c) + " + EXCLUDED." + id(c)));
        return "    INSERT INTO " + id(r.table()) + " AS a (" + names(all) + ")\n    " + select + "\n    ORDER BY " + groupOrdinals(r)
                + "\n    ON CONFLICT (" + names(groups) + ") DO UPDATE SET " + set
                + (r.countMeasure() == null ? "" : "\n    RETURNING a AS \"row-\"");
    }

    /**
     * A rollup recomputed from its facts (placeholders left out), under locks that keep its flow's writers out meanwhile:
     * what a rollup is made from when its table gains the count of a sum's values.
     */
    public static String rebuild(FlowSpec f, Rollup r, Map<String, FlowSpec> dimensions) {
        List<String> all = new ArrayList<>(r.groupBy().keySet());
        all.addAll(r.measures().keySet());
        all.addAll(valueCounts(f, r).values());
        // The dimensions it looks up first: a dimension batch that fills in a member and moves facts commits before.
        StringBuilder locks = new StringBuilder();
        f.lookups().stream().map(l -> dimensions.get(l.dimension())).filter(java.util.Objects::nonNull).map(FlowSpec::table).distinct().sorted()
                .forEach(t -> locks.append("LOCK TABLE ").append(id(t)).append(" IN SHARE MODE;\n"));
        return locks + "LOCK TABLE " + id(f.table()) + " IN SHARE MODE;\nLOCK TABLE " + id(r.table()) + " IN EXCLUSIVE MODE;\nDELETE FROM "
                + id(r.table()) + ";\nINSERT INTO " + id(r.table()) + " (" + names(all) + ")\nSELECT " + groupSelect(r) + ", "
                + measureSelect(f, r, "1") + "\nFROM " + id(f.table()) + " fact" + joins(f, dimensions, null) + "\nWHERE NOT fact."
                + id(PLACEHOLDER) + "\nGROUP BY " + groupOrdinals(r) + ";\n";
    }

    /**
     * Rollup upserts as the CTEs prefix0.. of a statement whose WITH is already open, the statement's select (first, then
     * each upsert's emptied groups remembered), and the deletes of those groups.
     */
    private static void appendUpserts(StringBuilder sql, String prefix, List<Rollup> rollups, List<String> upserts, String first) {
        StringJoiner select = new StringJoiner(", ", "\nSELECT ", ";\n");
        select.add(first);
        for (int i = 0; i < upserts.size(); i++) {
            sql.append(", ").append(prefix).append(i).append(" AS (\n").append(upserts.get(i)).append("\n)");
            String set = rememberEmptied(rollups.get(i), prefix + i);
            if (set != null) {
                select.add(set);
            }
        }
        sql.append(select);
        for (int i = 0; i < upserts.size(); i++) {
            sql.append(dropEmptied(rollups.get(i), prefix + i));
        }
    }

    /**
     * The select expression remembering, for the transaction, the groups of a rollup whose count the upsert of this tag
     * (a CTE of that name) brought to 0; null for a rollup without a count.
     */
    private static String rememberEmptied(Rollup r, String tag) {
        String count = r.countMeasure();
        return count == null ? null : "set_config('" + EMPTIED + tag + "', coalesce((SELECT array_agg(x.\"row-\")::text FROM " + tag
                + " x WHERE (x.\"row-\")." + id(count) + " = 0), '{}'), true)";
    }

    /** Deletes, by key, the groups the upsert of this tag emptied (still at a count of 0). */
    private static String dropEmptied(Rollup r, String tag) {
        String count = r.countMeasure();
        if (count == null) {
            return "";
        }
        return "DELETE FROM " + id(r.table()) + " a USING unnest(current_setting('" + EMPTIED + tag + "')::" + id(r.table()) + "[]) e WHERE "
                + r.groupBy().keySet().stream().map(g -> "a." + id(g) + " = e." + id(g)).collect(Collectors.joining(" AND "))
                + " AND a." + id(count) + " = 0;\n";
    }

    /**
     * The first statement of a fact batch that rolls up: a share lock on each inferred member it looks up (i0..), per
     * dimension in key order, so no dimension batch fills one in while this batch's facts go to its unknown groups.
     */
    private static String lockInferred(FlowSpec f, Map<String, FlowSpec> dimensions) {
        Map<String, List<String>> byDimension = new LinkedHashMap<>();
        for (int j = 0; j < f.lookups().size(); j++) {
            byDimension.computeIfAbsent(f.lookups().get(j).dimension(), k -> new ArrayList<>()).add(":?i" + j + "::bigint[]");
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
    private static String joins(FlowSpec f, Map<String, FlowSpec> dimensions, String nulled) {
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
    private static String versioned(FlowSpec f) {
        List<String> into = f.lookups().stream().map(Lookup::into).toList();
        List<String> stored = new ArrayList<>(f.stored().stream().map(Column::name).toList());
        stored.addAll(into);
        List<String> inputCols = new ArrayList<>(boundNames(f));
        inputCols.addAll(into);
        inputCols.add("source_lsn");
        inputCols.add("deleted");
        List<String> extra = new ArrayList<>(lookupParams(f));
        extra.add(":?lsns::bigint[]");
        extra.add(":?deletes::boolean[]");
        String key = names(f.key());
        String t = id(f.table());
        if (f.versionColumn() != null) {
            return byVersionColumn(f, stored, inputCols, extra);
        }
        String input = "WITH " + untoasted(f, "", extra, inputCols, false);
        StringBuilder sql = new StringBuilder(input).append("\nINSERT INTO ").append(t).append(" AS f (").append(names(stored))
                .append(", \"source_lsn\"");
        boolean soft = f.deletes() == FlowSpec.Deletes.SOFT;
        if (soft) {
            sql.append(", \"deleted\"");
        }
        StringJoiner m = new StringJoiner(", ");
        f.stored().forEach(c -> m.add(mapped(c)));
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
        return sql.append(OFFSETS).toString();
    }

    /** A fact guarded by a declared version column: the newest record per key, upserted only over an older version. */
    private static String byVersionColumn(FlowSpec f, List<String> stored, List<String> inputCols, List<String> extra) {
        String key = names(f.key());
        String v = id(f.versionColumn());
        StringJoiner m = new StringJoiner(", ");
        f.stored().forEach(c -> m.add(mapped(c)));
        f.lookups().forEach(l -> m.add(id(l.into())));
        StringJoiner set = new StringJoiner(", ");
        for (String c : stored) {
            if (!f.key().contains(c)) {
                set.add(id(c) + " = EXCLUDED." + id(c));
            }
        }
        return "WITH " + untoasted(f, "", extra, inputCols, false) + "\nINSERT INTO "
                + id(f.table()) + " AS f (" + names(stored) + ")\nSELECT " + m + " FROM input ORDER BY " + key + "\nON CONFLICT (" + key
                + ") DO UPDATE SET " + set + "\n    WHERE f." + v + " IS NULL OR f." + v + " < EXCLUDED." + v + ";\n" + OFFSETS;
    }

    /**
     * A patch: columns of another flow's table, merged with what is there (first, least, greatest, latest), in any order.
     * Without a version, latest is the last to arrive; with one, latest is the value of the record with the greatest
     * version (a record older than the row's version changes no latest column, and the row keeps its greatest version).
     * placeholders: the patched table is an unversioned fact's, whose rows a patch makes are marked as no fact.
     */
    public static String patch(FlowSpec f, boolean placeholders) {
        List<String> stored = f.stored().stream().map(Column::name).toList();
        String key = names(f.key());
        String v = f.versionColumn() == null ? null : id(f.versionColumn());
        StringBuilder sql = new StringBuilder("WITH input AS (\n    SELECT ");
        StringJoiner m = new StringJoiner(", ");
        f.stored().forEach(c -> m.add(mapped(c) + " AS " + id(c.name())));
        sql.append(m).append(", n FROM ").append(unnest(f, "", List.of())).append(" WITH ORDINALITY AS e(").append(names(boundNames(f)))
                .append(", n)\n)");
        String from = "input";
        String newer = "";
        if (v != null) {
            // A record is newer when its version is at least the row's and every earlier record's of the batch: the batch
            // gives what its records would give one after the other.
            sql.append(", versioned AS (\n    SELECT i.*, greatest(cur.").append(v).append(", max(i.").append(v).append(") OVER (PARTITION BY ")
                    .append(f.key().stream().map(k -> "i." + id(k)).collect(Collectors.joining(", ")))
                    .append(" ORDER BY i.n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) AS \"row-version\" FROM input i LEFT JOIN ")
                    .append(id(f.table())).append(" cur ON ").append(f.key().stream().map(k -> "cur." + id(k) + " = i." + id(k))
                            .collect(Collectors.joining(" AND "))).append("\n)");
            from = "versioned";
            newer = " AND (\"row-version\" IS NULL OR " + v + " >= \"row-version\")";
        }
        sql.append("\nINSERT INTO ").append(id(f.table())).append(" AS f (").append(names(stored))
                .append(placeholders ? ", " + id(PLACEHOLDER) : "").append(")\nSELECT ");
        StringJoiner agg = new StringJoiner(", ");
        StringJoiner set = new StringJoiner(", ");
        for (Column c : f.stored()) {
            String col = id(c.name());
            if (f.key().contains(c.name())) {
                agg.add(col);
                continue;
            }
            FlowSpec.Merge merge = col.equals(v) ? FlowSpec.Merge.GREATEST : c.merge();
            switch (merge) {
                case LEAST -> {
                    agg.add("min(" + col + ")");
                    set.add(col + " = LEAST(f." + col + ", EXCLUDED." + col + ")");
                }
                case GREATEST -> {
                    agg.add("max(" + col + ")");
                    set.add(col + " = GREATEST(f." + col + ", EXCLUDED." + col + ")");
                }
                case FIRST -> {
                    agg.add("(array_agg(" + col + " ORDER BY n) FILTER (WHERE " + col + " IS NOT NULL))[1]");
                    set.add(col + " = coalesce(f." + col + ", EXCLUDED." + col + ")");
                }
                case LATEST -> {
                    agg.add("(array_agg(" + col + " ORDER BY " + (v == null ? "" : v + " DESC NULLS LAST, ") + "n DESC) FILTER (WHERE "
                            + col + " IS NOT NULL" + newer + "))[1]");
                    set.add(col + " = coalesce(EXCLUDED." + col + ", f." + col + ")");
                }
            }
        }
        if (placeholders) {
            agg.add("TRUE");
        }
        sql.append(agg).append(" FROM ").append(from).append(" GROUP BY ").append(key).append(" ORDER BY ").append(key)
                .append("\nON CONFLICT (").append(key).append(") DO UPDATE SET ").append(set).append(";\n");
        return sql.append(OFFSETS).toString();
    }

    /**
     * A mirror: the newest change of each key upserted by primary key (with a guard, only over an older LSN); a delete
     * removes the row (hard) or marks it deleted=true keeping its values (soft). The flow given has the batch's columns.
     */
    public static String mirror(FlowSpec f) {
        boolean guard = f.version() != null;
        boolean soft = f.deletes() == FlowSpec.Deletes.SOFT;
        List<String> cols = boundNames(f);
        String key = names(f.key());
        String t = id(f.table());
        List<String> aliases = new ArrayList<>(cols);
        aliases.add("\"lsn-\"");
        aliases.add("\"del-\"");
        String input = "WITH " + untoasted(f, "", List.of(":?lsns::bigint[]", ":?deletes::boolean[]"), aliases, false) + "\n";
        List<String> target = new ArrayList<>(cols);
        List<String> select = new ArrayList<>(cols.stream().map(Sql::id).toList());
        if (guard) {
            target.add("source_lsn");
            select.add("\"lsn-\"");
        }
        if (soft) {
            target.add("deleted");
            select.add("\"del-\"");
        }
        StringJoiner set = new StringJoiner(", ");
        for (String c : cols) {
            if (!f.key().contains(c)) {
                // A delete's values are the row's already: the change before it in the batch, else read from the table.
                set.add(id(c) + " = EXCLUDED." + id(c));
            }
        }
        if (guard) {
            set.add("\"source_lsn\" = EXCLUDED.\"source_lsn\"");
        }
        if (soft) {
            set.add("\"deleted\" = EXCLUDED.\"deleted\"");
        }
        StringBuilder sql = new StringBuilder(input).append("INSERT INTO ").append(t).append(" AS f (").append(names(target))
                .append(")\nSELECT ").append(String.join(", ", select)).append(" FROM input");
        if (!soft) {
            sql.append(" WHERE NOT \"del-\"");
        }
        sql.append(" ORDER BY ").append(key).append("\nON CONFLICT (").append(key).append(") DO ");
        if (set.length() == 0) {
            sql.append("NOTHING");
        } else {
            sql.append("UPDATE SET ").append(set);
            if (guard) {
                sql.append("\n    WHERE f.\"source_lsn\" IS NULL OR f.\"source_lsn\" < EXCLUDED.\"source_lsn\"");
            }
        }
        sql.append(";\n");
        if (f.deletes() == FlowSpec.Deletes.HARD) {
            sql.append(input).append("DELETE FROM ").append(t).append(" f USING input i WHERE i.\"del-\" AND ")
                    .append(f.key().stream().map(k -> "f." + id(k) + " = i." + id(k)).collect(Collectors.joining(" AND ")));
            if (guard) {
                sql.append(" AND (f.\"source_lsn\" IS NULL OR f.\"source_lsn\" < i.\"lsn-\")");
            }
            sql.append(";\n");
        }
        return sql.append(OFFSETS).toString();
    }

    /** Takes a dimension's per-key locks (in lock order) for the keys of a batch: the parameter lockKeys. */
    static String lockKeys(FlowSpec d, String param) {
        String cast = d.columns().get(d.naturalKey()).type().arrayCast();
        return "SELECT pg_advisory_xact_lock(hashtext('" + d.table() + "'), l.k) FROM (SELECT DISTINCT hashtext(x::text) AS k FROM unnest(:?"
                + param + "::" + cast + ") AS x ORDER BY 1) l";
    }

    /**
     * A dimension: its per-key locks, then one statement per round (each key changes at most once per round): a change
     * not newer than what the key has is skipped; an inferred member is filled in in place; a change of a tracked column
     * closes the current version and opens a new one; other changes update in place; a delete closes the current version.
     * Members filled in by the rounds then move their facts in the rollups that look this dimension up. The batch's
     * inferred members are locked first, in key order: a fact batch that rolls up holds a share lock on those it looks up.
     */
    public static String dimension(FlowSpec d, int rounds, List<FlowSpec> dependents, Map<String, FlowSpec> dimensions) {
        String t = id(d.table());
        String nk = id(d.naturalKey());
        String sk = id(d.dimension().surrogateKey());
        List<String> attrs = d.stored().stream().map(Column::name).filter(c -> !c.equals(d.naturalKey())).toList();
        List<String> inputAliases = new ArrayList<>(boundNames(d));
        inputAliases.addAll(List.of("\"at-\"", "\"lsn-\"", "\"del-\""));
        List<String> moves = new ArrayList<>();
        List<Rollup> moved = new ArrayList<>();
        for (FlowSpec f : dependents) {
            for (Lookup l : f.lookups()) {
                if (l.dimension().equals(d.name())) {
                    for (Rollup r : f.rollups()) {
                        moves.add(moveFilled(f, l, r, dimensions));
                        moved.add(r);
                    }
                }
            }
        }
        StringBuilder sql = new StringBuilder(lockKeys(d, "lockKeys")).append(";\n");
        if (!moves.isEmpty()) {
            // The batch's inferred members, remembered for the transaction: under the keys' locks none can appear or go, so
            // those of them filled in by the rounds are the ones whose facts move in the rollups.
            sql.append("SELECT set_config('").append(INFERRED).append("', coalesce((SELECT array_agg(i.").append(sk).append(")::text FROM ")
                    .append(t).append(" i WHERE i.").append(nk).append(" = ANY (:?lockKeys::").append(d.columns().get(d.naturalKey()).type().arrayCast())
                    .append(") AND i.\"is_current\" AND i.\"is_inferred\"), '{}'), true);\n");
            // Waits for the fact batches that look one of them up (their share locks), and keeps new ones waiting.
            sql.append("SELECT count(*) FROM (SELECT 1 FROM ").append(t).append(" i WHERE i.").append(sk).append(" = ANY (current_setting('")
                    .append(INFERRED).append("')::bigint[]) ORDER BY i.").append(sk).append(" FOR NO KEY UPDATE) l;\n");
        }
        String tracked = d.dimension().tracked().isEmpty() ? "FALSE"
                : "(" + d.dimension().tracked().stream().map(c -> "c." + id(c)).collect(Collectors.joining(", ")) + ") IS DISTINCT FROM ("
                + d.dimension().tracked().stream().map(c -> "i." + id(c)).collect(Collectors.joining(", ")) + ")";
        for (int r = 0; r < rounds; r++) {
            String s = "_r" + r;
            sql.append("WITH ").append(untoasted(d, s, List.of(":?changedAts" + s + "::timestamptz[]", ":?lsns" + s + "::bigint[]",
                            ":?deletes" + s + "::boolean[]"), inputAliases, true))
                    .append(", todo AS (\n    SELECT i.*, c.").append(sk)
                    .append(" AS \"cur-\", c.\"is_inferred\" AS \"inferred-\", ").append(tracked).append(" AS \"tracked-\"\n    FROM input i LEFT JOIN ")
                    .append(t).append(" c ON c.").append(nk).append(" = i.").append(nk).append(" AND c.\"is_current\"\n    WHERE NOT EXISTS (SELECT 1 FROM ")
                    .append(t).append(" o WHERE o.").append(nk).append(" = i.").append(nk).append(" AND o.\"source_lsn\" >= i.\"lsn-\")\n), closed AS (\n    UPDATE ")
                    .append(t).append(" d SET \"valid_to\" = t.\"at-\", \"is_current\" = FALSE, \"source_lsn\" = CASE WHEN t.\"del-\" THEN t.\"lsn-\" ELSE d.\"source_lsn\" END\n")
                    .append("    FROM todo t WHERE d.").append(sk).append(" = t.\"cur-\" AND (t.\"del-\" OR (NOT t.\"inferred-\" AND t.\"tracked-\"))\n    RETURNING d.")
                    .append(sk).append("\n), updated AS (\n    UPDATE ").append(t).append(" d SET ");
            for (String a : attrs) {
                sql.append(id(a)).append(" = t.").append(id(a)).append(", ");
            }
            sql.append("\"is_inferred\" = FALSE, \"source_lsn\" = t.\"lsn-\"\n    FROM todo t WHERE d.").append(sk)
                    .append(" = t.\"cur-\" AND NOT t.\"del-\" AND (t.\"inferred-\" OR NOT t.\"tracked-\")\n    RETURNING d.*, t.\"inferred-\" AS \"filled-\"")
                    .append("\n), opened AS (\n    INSERT INTO ").append(t).append(" (").append(nk);
            for (String a : attrs) {
                sql.append(", ").append(id(a));
            }
            sql.append(", \"valid_from\", \"is_current\", \"is_inferred\", \"source_lsn\")\n    SELECT t.").append(nk);
            for (String a : attrs) {
                sql.append(", t.").append(id(a));
            }
            sql.append(", t.\"at-\", TRUE, FALSE, t.\"lsn-\" FROM todo t\n    WHERE NOT t.\"del-\" AND (t.\"cur-\" IS NULL OR t.\"cur-\" IN (SELECT ")
                    .append(sk).append(" FROM closed))\n    ORDER BY t.").append(nk).append("\n    RETURNING ").append(sk).append("\n)");
            // Only the first statement of a batch may return rows (the driver reads that result): this one returns none.
            sql.append("\nUPDATE ").append(t).append(" SET ").append(sk).append(" = ").append(sk).append(" WHERE FALSE AND ")
                    .append(sk).append(" IN (SELECT ").append(sk).append(" FROM updated UNION ALL SELECT ").append(sk).append(" FROM opened);\n");
        }
        if (!moves.isEmpty()) {
            // Filled-in members move their facts out of the unknown groups. The statement's snapshot sees every fact of
            // them committed before (a fact batch that looked one up committed before its lock was granted above), and a
            // fact batch that comes after waits for this transaction and sees the members filled in.
            String filled = "SELECT * FROM " + t + " WHERE " + sk + " = ANY (current_setting('" + INFERRED + "')::bigint[]) AND NOT \"is_inferred\"";
            sql.append("WITH filled AS (\n    ").append(filled).append("\n)");
            appendUpserts(sql, "m", moved, moves, "(SELECT count(*) FROM filled)");
        }
        return sql.append(OFFSETS).toString();
    }

    /**
     * A fact's rows of members filled in by this round (the updated CTE) leave the groups of an unknown member (-1, the
     * lookup joined to nothing) for their real ones (+1, the lookup as updated).
     */
    private static String moveFilled(FlowSpec f, Lookup l, Rollup r, Map<String, FlowSpec> dimensions) {
        FlowSpec d = dimensions.get(l.dimension());
        String sk = id(d.dimension().surrogateKey());
        Map<String, String> counts = valueCounts(f, r);
        StringJoiner measures = new StringJoiner(", ");
        StringJoiner unmeasures = new StringJoiner(", ");
        r.measures().values().forEach(m -> {
            measures.add(m.column() == null ? "1" : "fact." + id(m.column()));
            unmeasures.add(m.column() == null ? "-1" : "-fact." + id(m.column()));
        });
        counts.keySet().forEach(m -> {
            measures.add("(fact." + id(r.measures().get(m).column()) + " IS NOT NULL)::int");
            unmeasures.add("-(fact." + id(r.measures().get(m).column()) + " IS NOT NULL)::int");
        });
        StringJoiner as = new StringJoiner(", ");
        StringJoiner gcols = new StringJoiner(", ");
        StringJoiner mcols = new StringJoiner(", ");
        for (int g = 0; g < r.groupBy().size(); g++) {
            as.add("\"g" + g + "-\"");
            gcols.add("\"g" + g + "-\"");
        }
        for (int m = 0; m < r.measures().size() + counts.size(); m++) {
            as.add("\"m" + m + "-\"");
            mcols.add("sum(\"m" + m + "-\")");
        }
        // The other lookups of the fact are joined as usual; this one is the updated member, or nothing.
        String others = joins(f, dimensions, l.name()).replace(id(l.name()) + " ON FALSE", "\"unused-\" ON FALSE");
        String filled = "filled";
        String added = "SELECT " + groupSelect(r) + ", " + measures + " FROM " + id(f.table()) + " fact\n    JOIN " + filled + " "
                + id(l.name()) + " ON " + id(l.name()) + "." + sk + " = fact." + id(l.into()) + others + "\n    WHERE NOT fact." + id(PLACEHOLDER);
        String removed = "SELECT " + groupSelect(r) + ", " + unmeasures + " FROM " + id(f.table()) + " fact\n    JOIN " + filled
                + " \"filled-\" ON \"filled-\"." + sk + " = fact." + id(l.into()) + joins(f, dimensions, l.name()) + "\n    WHERE NOT fact."
                + id(PLACEHOLDER);
        return rollupUpsert(f, r, "SELECT " + gcols + ", " + mcols + " FROM (\n    " + added + "\n    UNION ALL\n    " + removed
                + "\n    ) AS x(" + as + ")\n    GROUP BY " + groupOrdinals(r));
    }

    /** The newest version of each natural key (the current one, or the last of a deleted member): what the cache holds. */
    public static String newest(FlowSpec d, String param) {
        String nk = id(d.naturalKey());
        String sk = id(d.dimension().surrogateKey());
        return "SELECT DISTINCT ON (d." + nk + ") d." + nk + " AS natural_key, d." + sk + " AS surrogate_key, coalesce(d.\"source_lsn\", 0) AS lsn\n"
                + "FROM " + id(d.table()) + " d WHERE d." + nk + " = ANY (:?" + param + "::" + d.columns().get(d.naturalKey()).type().arrayCast()
                + ")\nORDER BY d." + nk + ", d.\"is_current\" DESC, d." + sk + " DESC";
    }

    /**
     * Up to {@code ?} current members, the most recently created first: what a cache is filled with at start (for a key
     * with a current member, that member is its newest version). Reads the surrogate key's index backwards and stops.
     */
    public static String members(FlowSpec d) {
        String sk = id(d.dimension().surrogateKey());
        return "SELECT d." + id(d.naturalKey()) + " AS natural_key, d." + sk + " AS surrogate_key, coalesce(d.\"source_lsn\", 0) AS lsn FROM "
                + id(d.table()) + " d WHERE d.\"is_current\" ORDER BY d." + sk + " DESC LIMIT ?";
    }

    /**
     * Creates an inferred member (the key alone) for each natural key a batch looks up that the warehouse has never seen,
     * under the keys' locks; a deleted member keeps its last version. Returns no rows: {@link #newest} then reads the
     * answer in a statement of its own, whose snapshot sees whatever a writer that held a lock committed.
     */
    public static String ensure(FlowSpec d) {
        String t = id(d.table());
        String nk = id(d.naturalKey());
        String cast = d.columns().get(d.naturalKey()).type().arrayCast();
        return "WITH locks AS (\n    " + lockKeys(d, "missing") + "\n)\nINSERT INTO " + t + " (" + nk
                + ", \"valid_from\", \"is_current\", \"is_inferred\")\nSELECT u.id, now(), TRUE, TRUE FROM (SELECT DISTINCT id FROM unnest(:?missing::"
                + cast + ") AS x(id) ORDER BY 1) u\nWHERE (SELECT count(*) FROM locks) >= 0 AND NOT EXISTS (SELECT 1 FROM " + t + " d WHERE d."
                + nk + " = u.id)\nON CONFLICT (" + nk + ") WHERE \"is_current\" DO NOTHING";
    }
}
