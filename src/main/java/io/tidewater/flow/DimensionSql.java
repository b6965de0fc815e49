package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.FlowSpec.Lookup;
import io.tidewater.flow.FlowSpec.Rollup;

/**
 * The statements of a dimension flow: its batch (in rounds, one change of a key per round, under per-key
 * locks), and its lookups' ensure (inferred members), newest and members (the cache's warm-up).
 */
public final class DimensionSql {

    private DimensionSql() {
    }

    /** Takes a dimension's per-key locks (in lock order) for the keys of a batch: the parameter lockKeys. */
    static String lockKeys(FlowSpec d, String param) {
        String cast = d.columns().get(d.naturalKey()).type().arrayCast();
        return "SELECT pg_advisory_xact_lock(hashtext('" + d.table() + "'), l.k) FROM (SELECT DISTINCT hashtext(x::text) AS k FROM unnest("
                + Parameters.param(param, cast) + ") AS x ORDER BY 1) l";
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
        String sk = id(d.dimension().surrogateKey());
        List<String> attrs = d.stored().stream().map(Column::name).filter(c -> !c.equals(d.naturalKey())).toList();
        List<String> inputAliases = new ArrayList<>(FlowSql.boundNames(d));
        inputAliases.addAll(List.of("\"at-\"", "\"lsn-\"", "\"del-\""));
        List<String> moves = new ArrayList<>();
        List<Rollup> moved = new ArrayList<>();
        for (FlowSpec f : dependents) {
            for (Lookup l : f.lookups()) {
                if (l.dimension().equals(d.name())) {
                    for (Rollup r : f.rollups()) {
                        moves.add(RollupSql.moveFilled(f, l, r, dimensions));
                        moved.add(r);
                    }
                }
            }
        }
        StringBuilder sql = new StringBuilder(lockKeys(d, Parameters.LOCK_KEYS)).append(";\n");
        if (!moves.isEmpty()) {
            lockInferred(sql, d);
        }
        String tracked = d.dimension().tracked().isEmpty() ? "FALSE"
                : "(" + d.dimension().tracked().stream().map(c -> "c." + id(c)).collect(Collectors.joining(", ")) + ") IS DISTINCT FROM ("
                + d.dimension().tracked().stream().map(c -> "i." + id(c)).collect(Collectors.joining(", ")) + ")";
        for (int r = 0; r < rounds; r++) {
            round(sql, d, Parameters.roundSuffix(r), inputAliases, attrs, tracked);
        }
        if (!moves.isEmpty()) {
            // Filled-in members move their facts out of the unknown groups. The statement's snapshot sees every fact of
            // them committed before (a fact batch that looked one up committed before its lock was granted above), and a
            // fact batch that comes after waits for this transaction and sees the members filled in.
            String filled = "SELECT * FROM " + t + " WHERE " + sk + " = ANY (current_setting('" + FlowSql.INFERRED + "')::bigint[]) AND NOT \"is_inferred\"";
            sql.append("WITH filled AS (\n    ").append(filled).append("\n)");
            RollupSql.appendUpserts(sql, "m", moved, moves, "(SELECT count(*) FROM filled)");
        }
        return sql.append(FlowSql.OFFSETS).toString();
    }

    /**
     * The batch's inferred members, remembered for the transaction: under the keys' locks none can appear or go, so those
     * of them filled in by the rounds are the ones whose facts move in the rollups. Then their update locks.
     */
    private static void lockInferred(StringBuilder sql, FlowSpec d) {
        String t = id(d.table());
        String nk = id(d.naturalKey());
        String sk = id(d.dimension().surrogateKey());
        sql.append("SELECT set_config('").append(FlowSql.INFERRED).append("', coalesce((SELECT array_agg(i.").append(sk).append(")::text FROM ")
                .append(t).append(" i WHERE i.").append(nk).append(" = ANY (").append(Parameters.param(Parameters.LOCK_KEYS, d.columns().get(d.naturalKey()).type().arrayCast()))
                .append(") AND i.\"is_current\" AND i.\"is_inferred\"), '{}'), true);\n");
        // Waits for the fact batches that look one of them up (their share locks), and keeps new ones waiting.
        sql.append("SELECT count(*) FROM (SELECT 1 FROM ").append(t).append(" i WHERE i.").append(sk).append(" = ANY (current_setting('")
                .append(FlowSql.INFERRED).append("')::bigint[]) ORDER BY i.").append(sk).append(" FOR NO KEY UPDATE) l;\n");
    }

    /** One round's statement: each key of the round changes once (s: the round's parameter suffix). */
    private static void round(StringBuilder sql, FlowSpec d, String s, List<String> inputAliases, List<String> attrs, String tracked) {
        String t = id(d.table());
        String nk = id(d.naturalKey());
        String sk = id(d.dimension().surrogateKey());
        sql.append("WITH ").append(FlowSql.untoasted(d, s, List.of(Parameters.param(Parameters.round(Parameters.CHANGED_ATS, s), "timestamptz[]"),
                        Parameters.param(Parameters.round(Parameters.LSNS, s), "bigint[]"),
                        Parameters.param(Parameters.round(Parameters.DELETES, s), "boolean[]")), inputAliases, true))
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

    /** The newest version of each natural key (the current one, or the last of a deleted member): what the cache holds. */
    public static String newest(FlowSpec d, String param) {
        String nk = id(d.naturalKey());
        String sk = id(d.dimension().surrogateKey());
        return "SELECT DISTINCT ON (d." + nk + ") d." + nk + " AS natural_key, d." + sk + " AS surrogate_key, coalesce(d.\"source_lsn\", 0) AS lsn\n"
                + "FROM " + id(d.table()) + " d WHERE d." + nk + " = ANY (" + Parameters.param(param, d.columns().get(d.naturalKey()).type().arrayCast())
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
        return "WITH locks AS (\n    " + lockKeys(d, Parameters.MISSING) + "\n)\nINSERT INTO " + t + " (" + nk
                + ", \"valid_from\", \"is_current\", \"is_inferred\")\nSELECT u.id, now(), TRUE, TRUE FROM (SELECT DISTINCT id FROM unnest(:?missing::"
                + cast + ") AS x(id) ORDER BY 1) u\nWHERE (SELECT count(*) FROM locks) >= 0 AND NOT EXISTS (SELECT 1 FROM " + t + " d WHERE d."
                + nk + " = u.id)\nON CONFLICT (" + nk + ") WHERE \"is_current\" DO NOTHING";
    }
}
