package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.FlowSpec.Kind;
import io.tidewater.flow.FlowSpec.Lookup;
import io.tidewater.flow.FlowSpec.Rollup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warehouse tables of the flows: created when missing (with their keys and, for a dimension, its type-2 columns),
 * given the columns a flow newly maps, and checked against the declarations: a column whose type differs fails the
 * start, naming the flow, the column and both types.
 */
public final class FlowTables {

    private static final Logger LOG = LoggerFactory.getLogger(FlowTables.class);
    private static final String COLUMNS = "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            + "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE n.nspname = current_schema() AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

    private FlowTables() {
    }

    /** Creates, extends and checks the tables of these flows (owners first, then patches and rollups). */
    public static void prepare(DataSource edw, Collection<FlowSpec> flows) {
        try (Connection c = edw.getConnection()) {
            walk(c, flows, null, true);
        } catch (FlowStatementException e) {
            throw DryRun.blame(e, flows);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot prepare the flows' tables: " + e.getMessage(), e);
        }
    }

    /** Whether the warehouse has this table (in the schema its connections use). */
    public static boolean exists(DataSource edw, String table) {
        try (Connection c = edw.getConnection()) {
            return !existing(c, table).isEmpty();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the warehouse's tables: " + e.getMessage(), e);
        }
    }

    /**
     * Whether a table has a column: a patch of an unversioned fact's table marks the rows it makes as placeholders
     * ({@link FlowSql#PLACEHOLDER}) even while the fact's flow does not run.
     */
    public static boolean hasColumn(DataSource edw, String table, String column) {
        try (Connection c = edw.getConnection()) {
            return existing(c, table).containsKey(column);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the warehouse's tables: " + e.getMessage(), e);
        }
    }

    /** The same on a connection; a table that cannot be read counts as missing. */
    static boolean exists(Connection c, String table) {
        try {
            return !existing(c, table).isEmpty();
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * The same in the caller's transaction, for a dry run that rolls it back: tables created and extended, but a rollup
     * that gains columns (groups, measures, the counts of its sums) is not recomputed (that would read its whole fact table).
     */
    static void prepareUncommitted(Connection c, Collection<FlowSpec> flows) throws SQLException {
        walk(c, flows, null, false);
    }

    /**
     * The same without changing anything ({@code tidewater check}): the mismatches as messages, and what a start would
     * do as messages starting with "will ".
     */
    public static List<String> check(Connection c, Collection<FlowSpec> flows) throws SQLException {
        List<String> found = new ArrayList<>();
        try {
            walk(c, flows, found, false);
        } catch (FlowException e) {
            found.add(e.getMessage());
        }
        return found;
    }

    /** notes null: apply (a rollup gaining columns is recomputed if recompute); otherwise only report into notes. */
    private static void walk(Connection c, Collection<FlowSpec> flows, List<String> notes, boolean recompute) throws SQLException {
        // A dry run's tables are rolled back: nothing to say about them.
        Logger log = recompute ? LOG : org.slf4j.helpers.NOPLogger.NOP_LOGGER;
        Map<String, FlowSpec> byName = new LinkedHashMap<>();
        flows.forEach(f -> byName.put(f.name(), f));
        List<String> created = new ArrayList<>();
        for (FlowSpec f : flows) {
            if (f.kind() != Kind.PATCH) {
                table(c, f, columns(f, byName), notes, created, log);
            }
        }
        for (FlowSpec f : flows) {
            if (f.kind() == Kind.PATCH) {
                if (existing(c, f.table()).isEmpty() && !created.contains(f.table())) {
                    throw new FlowException(f.file(), f.line("table"), "flow '" + f.name() + "' patches table " + f.table()
                            + ", which no flow loads and which does not exist");
                }
                table(c, f, columns(f, byName), notes, created, log);
            }
        }
        for (FlowSpec f : flows) {
            for (Rollup r : f.rollups()) {
                Map<String, String> have = existing(c, r.table());
                if (have.isEmpty()) {
                    if (notes != null) {
                        notes.add("will create rollup table " + r.table() + " (flow " + f.name() + ")");
                    } else {
                        rollup(c, f, r, byName, log);
                    }
                    continue;
                }
                List<String> groups = newGroups(c, r, have);
                List<String> missing = new ArrayList<>(groups);
                r.measures().keySet().stream().filter(n -> !have.containsKey(n)).forEach(missing::add);
                FlowSql.valueCounts(f, r).values().stream().filter(n -> !have.containsKey(n)).forEach(missing::add);
                if (!missing.isEmpty()) {
                    if (notes != null) {
                        notes.add("will add " + missing + " to rollup table " + r.table() + " and recompute it from " + f.table() + " (flow "
                                + f.name() + ")");
                    } else {
                        recount(c, f, r, missing, groups, byName, recompute);
                    }
                }
            }
        }
    }

    /** The columns a flow writes, with their SQL types, in order. */
    static Map<String, String> columns(FlowSpec f, Map<String, FlowSpec> flows) {
        Map<String, String> cols = new LinkedHashMap<>();
        if (f.kind() == Kind.DIMENSION) {
            cols.put(f.dimension().surrogateKey(), "bigint");
        }
        for (Column col : f.stored()) {
            cols.put(col.name(), col.type().sql());
        }
        for (Lookup l : f.lookups()) {
            cols.put(l.into(), "bigint");
        }
        if (f.kind() == Kind.DIMENSION) {
            cols.put("valid_from", "timestamp with time zone");
            cols.put("valid_to", "timestamp with time zone");
            cols.put("is_current", "boolean");
            cols.put("is_inferred", "boolean");
            cols.put("source_lsn", "bigint");
        }
        if (f.version() != null && f.versionColumn() == null) {
            cols.put("source_lsn", "bigint");
        }
        if ((f.kind() == Kind.MIRROR || f.version() != null && f.versionColumn() == null) && f.deletes() == FlowSpec.Deletes.SOFT) {
            cols.put("deleted", "boolean");
        }
        if (f.kind() == Kind.FACT && f.version() == null) {
            cols.put(FlowSql.PLACEHOLDER, "boolean");
        }
        return cols;
    }

    private static Map<String, String> existing(Connection c, String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    private static void table(Connection c, FlowSpec f, Map<String, String> wanted, List<String> notes, List<String> created,
                              Logger log) throws SQLException {
        Map<String, String> have = existing(c, f.table());
        try (Statement st = c.createStatement()) {
            if (have.isEmpty()) {
                if (created.contains(f.table())) {
                    return;
                }
                if (f.kind() == Kind.MIRROR && !f.columns().keySet().containsAll(f.key())) {
                    // The key's types come from the records' schema: the table is created with the first change.
                    if (notes != null) {
                        notes.add("will create table " + f.table() + " with the first change (flow " + f.name() + ", typed by the records' schema)");
                    }
                    return;
                }
                created.add(f.table());
                if (notes != null) {
                    notes.add("will create table " + f.table() + " (flow " + f.name() + ")");
                    return;
                }
                String create = create(f, wanted);
                try {
                    st.execute(create);
                } catch (SQLException e) {
                    throw new FlowStatementException(f, "table " + f.table(), create, e);
                }
                log.info("Flow {}: created table {}", f.name(), f.table());
                return;
            }
            for (Map.Entry<String, String> col : wanted.entrySet()) {
                String type = have.get(col.getKey());
                if (type == null) {
                    if (notes != null) {
                        notes.add("will add column " + f.table() + "." + col.getKey() + " " + col.getValue() + " (flow " + f.name() + ")");
                        continue;
                    }
                    st.execute("ALTER TABLE " + id(f.table()) + " ADD COLUMN " + id(col.getKey()) + " " + col.getValue()
                            + (flag(col.getKey()) ? " NOT NULL DEFAULT FALSE" : ""));
                    log.info("Flow {}: added column {}.{} {}", f.name(), f.table(), col.getKey(), col.getValue());
                } else if (!compatible(type, col.getValue())) {
                    Column declared = f.columns().get(col.getKey());
                    if (f.kind() == Kind.MIRROR && declared != null && declared.line() == 0) {
                        // A column a mirror's records type: the table's own type stands, and PostgreSQL converts (or refuses
                        // the record, which is dead-lettered).
                        log.warn("Flow {}: the source column {} is {} now, but {}.{} is {}; loading into the table's type",
                                f.name(), col.getKey(), col.getValue(), f.table(), col.getKey(), type);
                        continue;
                    }
                    throw new FlowException(f.file(), declaredAt(f, col.getKey()), "flow '" + f.name() + "', column '"
                            + col.getKey() + "': declared " + col.getValue() + ", but " + f.table() + "." + col.getKey() + " is " + type);
                }
            }
        }
    }

    /**
     * A mirror's table for the columns of a batch: created with the first change when its key is not declared, and given
     * the columns its source gained, under a lock so that instances do not race. Returns the table's columns.
     */
    public static java.util.Set<String> mirror(DataSource edw, FlowSpec batch) {
        try (Connection c = edw.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('tidewater-mirror'), hashtext(?))")) {
                    lock.setString(1, batch.table());
                    lock.executeQuery().close();
                }
                table(c, batch, columns(batch, Map.of()), null, new ArrayList<>(), LOG);
                java.util.Set<String> have = existing(c, batch.table()).keySet();
                c.commit();
                return have;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot prepare table " + batch.table() + " of flow " + batch.name() + ": " + e.getMessage(), e);
        }
    }

    /** The line declaring a column of a flow's table: its column's, its lookup's (into), or the flow's. */
    private static int declaredAt(FlowSpec f, String column) {
        Column declared = f.columns().get(column);
        if (declared != null && declared.line() > 0) {
            return declared.line();
        }
        return f.lookups().stream().filter(l -> l.into().equals(column) && l.line() > 0).map(Lookup::line).findFirst().orElse(f.line());
    }

    /** A marker column the engine keeps (false unless set): present on every row, false for the rows there before it. */
    private static boolean flag(String column) {
        return column.equals("is_inferred") || column.equals("deleted") || column.equals(FlowSql.PLACEHOLDER);
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
                    st.execute(FlowSql.rebuild(f, r, flows));
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                throw new IllegalStateException("Flow " + f.name() + ": cannot recompute rollup " + r.table() + ": " + e.getMessage(), e);
            }
            LOG.info("Flow {}: rollup {} recomputed from {} before it loads, in {} ms", f.name(), r.table(), f.table(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** The same type; text also loads a varchar or char column of any length (the warehouse's own choice). */
    private static boolean compatible(String have, String declared) {
        return have.equals(declared) || declared.equals("text") && (have.startsWith("character varying") || have.startsWith("character("));
    }

    private static String create(FlowSpec f, Map<String, String> cols) {
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

    /** A rollup's table, typed by PostgreSQL from its group expressions, keyed by its groups. */
    private static void rollup(Connection c, FlowSpec f, Rollup r, Map<String, FlowSpec> flows, Logger log) throws SQLException {
        if (!existing(c, r.table()).isEmpty()) {
            return;
        }
        StringBuilder select = new StringBuilder("SELECT ");
        List<String> parts = new ArrayList<>();
        r.groupBy().forEach((name, expr) -> parts.add("(" + expr + ") AS " + id(name)));
        r.measures().forEach((name, m) -> parts.add((m.column() == null ? "0::bigint" : "0::" + sumType(f.columns().get(m.column()))) + " AS " + id(name)));
        FlowSql.valueCounts(f, r).values().forEach(n -> parts.add("0::bigint AS " + id(n)));
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
    private static List<String> newGroups(Connection c, Rollup r, Map<String, String> have) throws SQLException {
        List<String> missing = r.groupBy().keySet().stream().filter(g -> !have.containsKey(g)).toList();
        if (missing.isEmpty() || !r.groupBy().keySet().containsAll(primaryKey(c, r.table()))) {
            return List.of();
        }
        return missing;
    }

    /** The columns of a table's primary key (none without one). */
    private static List<String> primaryKey(Connection c, String table) throws SQLException {
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
    private static String primaryKeyName(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT k.conname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid "
                + "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND t.relname = ? AND k.contype = 'p'")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static final java.util.regex.Pattern TYPE_NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9_ ]*(\\([0-9, ]+\\))?(\\[])*");

    /** The SQL type of a group's expression over the fact and its lookups, as PostgreSQL types it (as a new rollup's is). */
    private static String groupType(Connection c, FlowSpec f, Rollup r, String group, Map<String, FlowSpec> flows) throws SQLException {
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
        if (type == null || !TYPE_NAME.matcher(type).matches()) {
            throw new FlowException(f.file(), r.lineOf(group) > 0 ? r.lineOf(group) : f.line("rollups"), "flow '" + f.name() + "', rollup "
                    + r.table() + ", group '" + group + "': its type " + type + " cannot be a column of the rollup's table");
        }
        return type;
    }

    /** The SQL type of a rollup's column: a group's, a measure's (count or sum), or a count of a sum's values. */
    private static String rollupColumnType(Connection c, FlowSpec f, Rollup r, String column, Map<String, FlowSpec> flows) throws SQLException {
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
    private static void recount(Connection c, FlowSpec f, Rollup r, List<String> missing, List<String> groups, Map<String, FlowSpec> flows,
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
                String rebuild = FlowSql.rebuild(f, r, flows);
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
            LOG.info("Flow {}: rollup {} gained {}; recomputed from {}", f.name(), r.table(), missing, f.table());
        }
    }

    private static String sumType(Column c) {
        return switch (c.type().name()) {
            case "int", "bigint" -> "bigint";
            default -> "numeric";
        };
    }
}
