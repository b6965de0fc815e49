package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.util.List;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import io.tidewater.flow.FlowSpec.Column;

/**
 * The batch statement of a patch flow: columns of another flow's table, merged by key whichever arrives first.
 */
public final class PatchSql {

    private PatchSql() {
    }

    /**
     * A patch: columns of another flow's table, merged with what is there (first, least, greatest, latest), in any order.
     * Without a version, latest is the last to arrive; with one, latest is the value of the record with the greatest
     * version (a record older than the row's version changes no latest column, and the row keeps its greatest version).
     * placeholders: the patched table is an unversioned fact's, whose rows a patch makes are marked as no fact.
     */
    public static String patch(FlowSpec f, boolean placeholders) {
        List<String> stored = f.stored().stream().map(Column::name).toList();
        String key = FlowSql.names(f.key());
        String v = f.versionColumn() == null ? null : id(f.versionColumn());
        StringBuilder sql = new StringBuilder("WITH input AS (\n    SELECT ");
        StringJoiner m = new StringJoiner(", ");
        f.stored().forEach(c -> m.add(FlowSql.mapped(c) + " AS " + id(c.name())));
        sql.append(m).append(", n FROM ").append(FlowSql.unnest(f, "", List.of())).append(" WITH ORDINALITY AS e(").append(FlowSql.names(FlowSql.boundNames(f)))
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
        sql.append("\nINSERT INTO ").append(id(f.table())).append(" AS f (").append(FlowSql.names(stored))
                .append(placeholders ? ", " + id(FlowSql.PLACEHOLDER) : "").append(")\nSELECT ");
        StringJoiner agg = new StringJoiner(", ");
        StringJoiner set = new StringJoiner(", ");
        for (Column c : f.stored()) {
            String col = id(c.name());
            if (f.key().contains(c.name())) {
                agg.add(col);
                continue;
            }
            merge(col, col.equals(v) ? FlowSpec.Merge.GREATEST : c.merge(), v, newer, agg, set);
        }
        if (placeholders) {
            agg.add("TRUE");
        }
        sql.append(agg).append(" FROM ").append(from).append(" GROUP BY ").append(key).append(" ORDER BY ").append(key)
                .append("\nON CONFLICT (").append(key).append(") DO UPDATE SET ").append(set).append(";\n");
        return sql.append(FlowSql.OFFSETS).toString();
    }

    /** A column's aggregate over the batch's records of a key, and how it merges with the row's value. */
    private static void merge(String col, FlowSpec.Merge merge, String v, String newer, StringJoiner agg, StringJoiner set) {
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
}
