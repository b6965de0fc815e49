package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import io.tidewater.flow.FlowSpec.Lookup;
import io.tidewater.flow.FlowSpec.Rollup;

/**
 * A fact flow's rollups: the differences a batch makes to each group, upserted in group order; groups emptied
 * deleted by key; a rollup recomputed from its facts; the groups a filled-in inferred member moves.
 */
public final class RollupSql {

    private RollupSql() {
    }

    static String groupSelect(Rollup r) {
        return String.join(", ", r.groupBy().values().stream().map(e -> "(" + e + ")").toList());
    }

    static String groupOrdinals(Rollup r) {
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
    static String measureSelect(FlowSpec f, Rollup r, String sign) {
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
    static String rollupUpsert(FlowSpec f, Rollup r, String select) {
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
        return "    INSERT INTO " + id(r.table()) + " AS a (" + FlowSql.names(all) + ")\n    " + select + "\n    ORDER BY " + groupOrdinals(r)
                + "\n    ON CONFLICT (" + FlowSql.names(groups) + ") DO UPDATE SET " + set
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
                + id(r.table()) + ";\nINSERT INTO " + id(r.table()) + " (" + FlowSql.names(all) + ")\nSELECT " + groupSelect(r) + ", "
                + measureSelect(f, r, "1") + "\nFROM " + id(f.table()) + " fact" + FactSql.joins(f, dimensions, null) + "\nWHERE NOT fact."
                + id(FlowSql.PLACEHOLDER) + "\nGROUP BY " + groupOrdinals(r) + ";\n";
    }

    /**
     * Rollup upserts as the CTEs prefix0.. of a statement whose WITH is already open, the statement's select (first, then
     * each upsert's emptied groups remembered), and the deletes of those groups.
     */
    static void appendUpserts(StringBuilder sql, String prefix, List<Rollup> rollups, List<String> upserts, String first) {
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
    static String rememberEmptied(Rollup r, String tag) {
        String count = r.countMeasure();
        return count == null ? null : "set_config('" + FlowSql.EMPTIED + tag + "', coalesce((SELECT array_agg(x.\"row-\")::text FROM " + tag
                + " x WHERE (x.\"row-\")." + id(count) + " = 0), '{}'), true)";
    }

    /** Deletes, by key, the groups the upsert of this tag emptied (still at a count of 0). */
    static String dropEmptied(Rollup r, String tag) {
        String count = r.countMeasure();
        if (count == null) {
            return "";
        }
        return "DELETE FROM " + id(r.table()) + " a USING unnest(current_setting('" + FlowSql.EMPTIED + tag + "')::" + id(r.table()) + "[]) e WHERE "
                + r.groupBy().keySet().stream().map(g -> "a." + id(g) + " = e." + id(g)).collect(Collectors.joining(" AND "))
                + " AND a." + id(count) + " = 0;\n";
    }

    /**
     * A fact's rows of members filled in by this round (the updated CTE) leave the groups of an unknown member (-1, the
     * lookup joined to nothing) for their real ones (+1, the lookup as updated).
     */
    static String moveFilled(FlowSpec f, Lookup l, Rollup r, Map<String, FlowSpec> dimensions) {
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
        String others = FactSql.joins(f, dimensions, l.name()).replace(id(l.name()) + " ON FALSE", "\"unused-\" ON FALSE");
        String filled = "filled";
        String added = "SELECT " + groupSelect(r) + ", " + measures + " FROM " + id(f.table()) + " fact\n    JOIN " + filled + " "
                + id(l.name()) + " ON " + id(l.name()) + "." + sk + " = fact." + id(l.into()) + others + "\n    WHERE NOT fact." + id(FlowSql.PLACEHOLDER);
        String removed = "SELECT " + groupSelect(r) + ", " + unmeasures + " FROM " + id(f.table()) + " fact\n    JOIN " + filled
                + " \"filled-\" ON \"filled-\"." + sk + " = fact." + id(l.into()) + FactSql.joins(f, dimensions, l.name()) + "\n    WHERE NOT fact."
                + id(FlowSql.PLACEHOLDER);
        return rollupUpsert(f, r, "SELECT " + gcols + ", " + mcols + " FROM (\n    " + added + "\n    UNION ALL\n    " + removed
                + "\n    ) AS x(" + as + ")\n    GROUP BY " + groupOrdinals(r));
    }
}
