package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import io.tidewater.flow.FlowSpec.Column;

/**
 * What the batch statements of every kind of flow share ({@link FactSql}, {@link RollupSql}, {@link DimensionSql},
 * {@link PatchSql}, {@link MirrorSql}): generated from its declaration, every value a bound array parameter, every name a
 * validated, quoted identifier. The parameters are named in {@link Parameters}: the bound columns, the lookups'
 * surrogate keys, the changes' LSNs and deletes, and the batch's offsets; a dimension binds each round apart.
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
    static final String EMPTIED = "tidewater.emptied_";
    /** The transaction setting that holds a dimension batch's inferred members (surrogate keys) until its moves. */
    static final String INFERRED = "tidewater.inferred";
    /**
     * The column of an unversioned fact's table that marks a placeholder: a row a patch made before its fact arrived,
     * which is no fact (no rollup counts it) until the fact fills it in.
     */
    public static final String PLACEHOLDER = "is_placeholder";
    static final String OFFSETS = "INSERT INTO etl_offsets (consumer_group, topic, partition, next_offset, updated_at)\n"
            + "SELECT " + Parameters.param(Parameters.GROUP, "text") + ", t, p, o, now() FROM unnest("
            + Parameters.param(Parameters.TOPICS, "text[]") + ", " + Parameters.param(Parameters.PARTITIONS, "int[]") + ", "
            + Parameters.param(Parameters.NEXT_OFFSETS, "bigint[]") + ") AS x(t, p, o)\n"
            + "ON CONFLICT (consumer_group, topic, partition)\n"
            + "    DO UPDATE SET next_offset = GREATEST(etl_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()";

    private FlowSql() {
    }

    /**
     * The CTEs "raw-" (the batch as bound, each row with "toast-": the columns that carry Debezium's TOAST placeholder)
     * and input (the same columns, each TOASTed one read from the table's row of the same key, for a dimension its
     * current version): a value a change could not carry keeps what the warehouse has. The WITH is already open.
     */
    static String untoasted(FlowSpec f, String suffix, List<String> extra, List<String> aliases, boolean current) {
        if (!f.debezium()) {
            return "input AS (\n    SELECT * FROM " + unnest(f, suffix, extra) + " AS e(" + String.join(", ",
                    aliases.stream().map(a -> a.startsWith("\"") ? a : id(a)).toList()) + ")\n)";
        }
        List<String> params = new ArrayList<>(extra);
        params.add(Parameters.param(Parameters.round(Parameters.TOASTS, suffix), "text[]"));
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
    static String unnest(FlowSpec f, String suffix, List<String> extra) {
        StringJoiner args = new StringJoiner(", ");
        List<Column> bound = f.bound();
        for (int i = 0; i < bound.size(); i++) {
            args.add(Parameters.param(Parameters.round(Parameters.column(i), suffix), bound.get(i).type().arrayCast()));
        }
        extra.forEach(args::add);
        return "unnest(" + args + ")";
    }

    static String names(List<String> cols) {
        return cols.stream().map(Sql::id).collect(Collectors.joining(", "));
    }

    static List<String> boundNames(FlowSpec f) {
        return f.bound().stream().map(Column::name).toList();
    }

    /** The value of each stored column from the input row: the column itself, or its expression. */
    static String mapped(Column c) {
        return c.expression() == null ? id(c.name()) : "(" + c.expression() + ")";
    }

    static List<String> lookupParams(FlowSpec f) {
        List<String> p = new ArrayList<>();
        for (int j = 0; j < f.lookups().size(); j++) {
            p.add(Parameters.param(Parameters.surrogateKeys(j), "bigint[]"));
        }
        return p;
    }

}
