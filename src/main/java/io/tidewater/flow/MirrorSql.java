package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.stream.Collectors;

/**
 * The batch statement of a mirror flow: the newest change per key upserted by primary key, deletes as declared.
 */
public final class MirrorSql {

    private MirrorSql() {
    }

    /**
     * A mirror: the newest change of each key upserted by primary key (with a guard, only over an older LSN); a delete
     * removes the row (hard) or marks it deleted=true keeping its values (soft). The flow given has the batch's columns.
     */
    public static String mirror(FlowSpec f) {
        boolean guard = f.version() != null;
        boolean soft = f.deletes() == FlowSpec.Deletes.SOFT;
        List<String> cols = FlowSql.boundNames(f);
        String key = FlowSql.names(f.key());
        String t = id(f.table());
        List<String> aliases = new ArrayList<>(cols);
        aliases.add("\"lsn-\"");
        aliases.add("\"del-\"");
        String input = "WITH " + FlowSql.untoasted(f, "", List.of(Parameters.param(Parameters.LSNS, "bigint[]"), Parameters.param(Parameters.DELETES, "boolean[]")), aliases, false) + "\n";
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
        StringJoiner set = updates(f, cols, guard, soft);
        StringBuilder sql = new StringBuilder(input).append("INSERT INTO ").append(t).append(" AS f (").append(FlowSql.names(target))
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
            appendHardDelete(sql, input, f, guard);
        }
        return sql.append(FlowSql.OFFSETS).toString();
    }

    /** The columns an upsert sets: every one but the key, the guard's LSN and the soft delete's flag. */
    private static StringJoiner updates(FlowSpec f, List<String> cols, boolean guard, boolean soft) {
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
        return set;
    }

    /** A hard delete removes the rows of the batch's deletes (with a guard, only over an older LSN). */
    private static void appendHardDelete(StringBuilder sql, String input, FlowSpec f, boolean guard) {
        String t = id(f.table());
        sql.append(input).append("DELETE FROM ").append(t).append(" f USING input i WHERE i.\"del-\" AND ")
                .append(f.key().stream().map(k -> "f." + id(k) + " = i." + id(k)).collect(Collectors.joining(" AND ")));
        if (guard) {
            sql.append(" AND (f.\"source_lsn\" IS NULL OR f.\"source_lsn\" < i.\"lsn-\")");
        }
        sql.append(";\n");
    }
}
