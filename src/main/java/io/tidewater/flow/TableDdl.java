package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.tidewater.flow.FlowSpec.Kind;
import io.tidewater.flow.FlowSpec.Lookup;

/** The DDL of a flow's table, as {@link FlowTables} makes it from the declaration, and the column types it accepts. */
final class TableDdl {

    /** A column type as the catalog names it (format_type): a name, its modifiers, array brackets. */
    static final Pattern TYPE_NAME = Pattern.compile("[a-z][a-z0-9_ ]*(\\([0-9, ]+\\))?(\\[])*");

    private TableDdl() {
    }

    /** A marker column the engine keeps (false unless set): present on every row, false for the rows there before it. */
    static boolean flag(String column) {
        return column.equals("is_inferred") || column.equals("deleted") || column.equals(FlowSql.PLACEHOLDER);
    }

    /** The same type; text also loads a varchar or char column of any length (the warehouse's own choice). */
    static boolean compatible(String have, String declared) {
        return have.equals(declared) || declared.equals("text") && (have.startsWith("character varying") || have.startsWith("character("));
    }

    /** The CREATE TABLE of a flow's table with these columns (name to type), with its keys and indexes. */
    static String create(FlowSpec f, Map<String, String> cols) {
        List<String> defs = new ArrayList<>();
        for (Map.Entry<String, String> col : cols.entrySet()) {
            String def = id(col.getKey()) + " " + col.getValue();
            if (f.kind() == Kind.DIMENSION && col.getKey().equals(f.dimension().surrogateKey())) {
                def = id(col.getKey()) + " bigserial PRIMARY KEY";
            } else if (col.getKey().equals("is_current") || flag(col.getKey())) {
                def += " NOT NULL DEFAULT " + (col.getKey().equals("is_current") ? "TRUE" : "FALSE");
            } else if (f.key().contains(col.getKey()) || col.getKey().equals("valid_from")) {
                def += " NOT NULL";
            }
            defs.add(def);
        }
        if (f.kind() != Kind.DIMENSION) {
            defs.add("PRIMARY KEY (" + f.key().stream().map(Sql::id).collect(Collectors.joining(", ")) + ")");
        }
        String sql = "CREATE TABLE " + id(f.table()) + " (\n    " + String.join(",\n    ", defs) + "\n)";
        if (f.kind() == Kind.DIMENSION) {
            String nk = id(f.naturalKey());
            sql += ";\nCREATE UNIQUE INDEX " + id(f.table() + "_current") + " ON " + id(f.table()) + " (" + nk + ") WHERE \"is_current\""
                    + ";\nCREATE INDEX " + id(f.table() + "_natural") + " ON " + id(f.table()) + " (" + nk + ", \"source_lsn\")";
        }
        if (!f.rollups().isEmpty()) {
            // When a dimension batch fills in an inferred member, its facts move in the rollups: found by this index.
            for (Lookup l : f.lookups()) {
                sql += ";\nCREATE INDEX " + id(f.table() + "_" + l.into()) + " ON " + id(f.table()) + " (" + id(l.into()) + ")";
            }
        }
        return sql;
    }
}
