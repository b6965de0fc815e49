package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;

import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.FlowSpec.Kind;
import io.tidewater.flow.FlowSpec.Lookup;
import io.tidewater.flow.FlowSpec.Rollup;
import org.slf4j.Logger;

/**
 * The rollup tables of fact flows: made with the groups and measures declared (a group or a measure added later
 * is added to the table and the rollup recomputed from its facts), and repaired before a fact flow loads.
 */
public final class RollupTables {

    private RollupTables() {
    }

    /**
     * Recomputes, from their facts, the rollups of the fact flows that start now and look a dimension up: while a flow was
     * not running (not yet declared, removed, waiting), its dimensions filled in inferred members without moving its
     * facts' groups. Each rollup in a transaction of its own, under the locks {@link FlowSql#rebuild} takes.
     */
    public static void repair(DataSource edw, Collection<FlowSpec> starting, Map<String, FlowSpec> flows) {
        for (FlowSpec f : starting) {
            if (!f.lookups().isEmpty()) {
                recompute(edw, f, flows);
            }
        }
    }

    /**
     * Recomputes every rollup of a fact flow from its facts, each in a transaction of its own under the locks
     * {@link FlowSql#rebuild} takes: exact while no batch of the flow's earlier declaration can still be written.
     */
    public static void recompute(DataSource edw, FlowSpec f, Map<String, FlowSpec> flows) {
        if (f.kind() != Kind.FACT || f.rollups().isEmpty()) {
            return;
        }
        for (Rollup r : f.rollups()) {
            long t0 = System.nanoTime();
            try (Connection c = edw.getConnection()) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute(RollupSql.rebuild(f, r, flows));
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                throw new IllegalStateException("Flow " + f.name() + ": cannot recompute rollup " + r.table() + ": " + e.getMessage(), e);
            }
            FlowTables.LOG.info("Flow {}: rollup {} recomputed from {} before it loads, in {} ms", f.name(), r.table(), f.table(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** A rollup's table, typed by PostgreSQL from its group expressions, keyed by its groups. */
    static void rollup(Connection c, FlowSpec f, Rollup r, Map<String, FlowSpec> flows, Logger log) throws SQLException {
        if (!FlowTables.existing(c, r.table()).isEmpty()) {
            return;
        }
        StringBuilder select = new StringBuilder("SELECT ");
        List<String> parts = new ArrayList<>();
        r.groupBy().forEach((name, expr) -> parts.add("(" + expr + ") AS " + id(name)));
        r.measures().forEach((name, m) -> parts.add((m.column() == null ? "0::bigint" : "0::" + sumType(f.columns().get(m.column()))) + " AS " + id(name)));
        RollupSql.valueCounts(f, r).values().forEach(n -> parts.add("0::bigint AS " + id(n)));
        select.append(String.join(", ", parts)).append(" FROM ").append(id(f.table())).append(" fact");
        for (Lookup l : f.lookups()) {
            FlowSpec d = flows.get(l.dimension());
            select.append(" LEFT JOIN ").append(id(d.table())).append(" ").append(id(l.name())).append(" ON FALSE");
        }
        String create = "CREATE TABLE " + id(r.table()) + " AS " + select + " WITH NO DATA";
        try (Statement st = c.createStatement()) {
            try {
                st.execute(create);
            } catch (SQLException e) {
                throw new FlowStatementException(f, "rollup table " + r.table(), create, e);
            }
            st.execute("ALTER TABLE " + id(r.table()) + " ADD PRIMARY KEY (" + r.groupBy().keySet().stream().map(Sql::id)
                    .collect(Collectors.joining(", ")) + ")");
        }
        log.info("Flow {}: created rollup table {}", f.name(), r.table());
    }

    /**
     * The groups a rollup's table lacks, when it can gain them: every column of its primary key is still a declared group
     * (a key column no longer declared, renamed in the warehouse say, is left for the dry run to refuse).
     */
    static List<String> newGroups(Connection c, Rollup r, Map<String, String> have) throws SQLException {
        List<String> missing = r.groupBy().keySet().stream().filter(g -> !have.containsKey(g)).toList();
        if (missing.isEmpty() || !r.groupBy().keySet().containsAll(primaryKey(c, r.table()))) {
            return List.of();
        }
        return missing;
    }

    /** The columns of a table's primary key (none without one). */
    static List<String> primaryKey(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid "
                + "JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (k.conkey) "
                + "WHERE n.nspname = current_schema() AND t.relname = ? AND k.contype = 'p'")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** The name of a table's primary key constraint, or null. */
    static String primaryKeyName(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT k.conname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid "
                + "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND t.relname = ? AND k.contype = 'p'")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The SQL type of a group's expression over the fact and its lookups, as PostgreSQL types it (as a new rollup's is). */
    static String groupType(Connection c, FlowSpec f, Rollup r, String group, Map<String, FlowSpec> flows) throws SQLException {
        StringBuilder from = new StringBuilder(id(f.table())).append(" fact");
        for (Lookup l : f.lookups()) {
            from.append(" LEFT JOIN ").append(id(flows.get(l.dimension()).table())).append(" ").append(id(l.name())).append(" ON FALSE");
        }
        String sql = "SELECT pg_typeof(s.g)::text FROM (SELECT 1) one LEFT JOIN (SELECT (" + r.groupBy().get(group) + ") AS g FROM " + from
                + " LIMIT 1) s ON TRUE";
        String type;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            type = rs.getString(1);
        } catch (SQLException e) {
            throw new FlowStatementException(f, "rollup table " + r.table(), sql, e);
        }
        if (type == null || !TableDdl.TYPE_NAME.matcher(type).matches()) {
            throw new FlowException(f.file(), r.lineOf(group) > 0 ? r.lineOf(group) : f.line("rollups"), "flow '" + f.name() + "', rollup "
                    + r.table() + ", group '" + group + "': its type " + type + " cannot be a column of the rollup's table");
        }
        return type;
    }

    /** The SQL type of a rollup's column: a group's, a measure's (count or sum), or a count of a sum's values. */
    static String rollupColumnType(Connection c, FlowSpec f, Rollup r, String column, Map<String, FlowSpec> flows) throws SQLException {
        if (r.groupBy().containsKey(column)) {
            return groupType(c, f, r, column, flows);
        }
        FlowSpec.Measure m = r.measures().get(column);
        if (m != null) {
            return m.column() == null ? "bigint" : sumType(f.columns().get(m.column()));
        }
        return "bigint NOT NULL DEFAULT 0";
    }

    /**
     * A rollup whose table lacks columns its declaration has now: new groups, new measures, or the counts of values of its
     * nullable sums (see {@link FlowSql#valueCounts}). The columns are added and the rollup recomputed from its facts, in
     * one transaction: the facts counted so far have no value in a new column, and a sum so far may be NULL where SQL's is
     * not. A new group makes the groups finer: the table is keyed by all its groups again. Without recompute (a dry run),
     * the columns and key are only made, in the caller's transaction.
     */
    static void recount(Connection c, FlowSpec f, Rollup r, List<String> missing, List<String> groups, Map<String, FlowSpec> flows,
                                boolean recompute) throws SQLException {
        boolean auto = c.getAutoCommit();
        if (recompute) {
            c.setAutoCommit(false);
        }
        try (Statement st = c.createStatement()) {
            if (recompute) {
                // Before the columns are read and added: the rollup's batches wait for the recomputation.
                st.execute("LOCK TABLE " + id(f.table()) + " IN SHARE MODE");
                st.execute("LOCK TABLE " + id(r.table()) + " IN EXCLUSIVE MODE");
            }
            for (String n : missing) {
                st.execute("ALTER TABLE " + id(r.table()) + " ADD COLUMN " + id(n) + " " + rollupColumnType(c, f, r, n, flows));
            }
            String key = groups.isEmpty() ? null : primaryKeyName(c, r.table());
            if (key != null) {
                st.execute("ALTER TABLE " + id(r.table()) + " DROP CONSTRAINT " + id(key));
            }
            String keyColumns = r.groupBy().keySet().stream().map(Sql::id).collect(Collectors.joining(", "));
            if (recompute) {
                String rebuild = RollupSql.rebuild(f, r, flows);
                try {
                    st.execute(rebuild);
                } catch (SQLException e) {
                    throw new FlowStatementException(f, "recomputation of rollup " + r.table(), rebuild, e);
                }
                if (!groups.isEmpty()) {
                    st.execute("ALTER TABLE " + id(r.table()) + " ADD PRIMARY KEY (" + keyColumns + ")");
                }
                c.commit();
            } else if (!groups.isEmpty()) {
                // The rows counted so far have no value in the new group until recomputed: a key that allows it, rolled back.
                st.execute("CREATE UNIQUE INDEX ON " + id(r.table()) + " (" + keyColumns + ")");
            }
        } catch (SQLException | RuntimeException e) {
            if (recompute) {
                c.rollback();
            }
            throw e;
        } finally {
            if (recompute) {
                c.setAutoCommit(auto);
            }
        }
        if (recompute) {
            FlowTables.LOG.info("Flow {}: rollup {} gained {}; recomputed from {}", f.name(), r.table(), missing, f.table());
        }
    }

    static String sumType(Column c) {
        return switch (c.type().name()) {
            case "int", "bigint" -> "bigint";
            default -> "numeric";
        };
    }
}
