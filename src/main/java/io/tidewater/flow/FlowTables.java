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

    static final Logger LOG = LoggerFactory.getLogger(FlowTables.class);
    /** The columns of each unique index of a table (no partial ones), sorted. */
    private static final String UNIQUE_KEYS = "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i "
            + "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey) "
            + "WHERE n.nspname = current_schema() AND c.relname = ? AND i.indisunique AND i.indpred IS NULL GROUP BY i.indexrelid";
    static final String COLUMNS = "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
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
    static void walk(Connection c, Collection<FlowSpec> flows, List<String> notes, boolean recompute) throws SQLException {
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
                        RollupTables.rollup(c, f, r, byName, log);
                    }
                    continue;
                }
                List<String> groups = RollupTables.newGroups(c, r, have);
                List<String> missing = new ArrayList<>(groups);
                r.measures().keySet().stream().filter(n -> !have.containsKey(n)).forEach(missing::add);
                RollupSql.valueCounts(f, r).values().stream().filter(n -> !have.containsKey(n)).forEach(missing::add);
                if (!missing.isEmpty()) {
                    if (notes != null) {
                        notes.add("will add " + missing + " to rollup table " + r.table() + " and recompute it from " + f.table() + " (flow "
                                + f.name() + ")");
                    } else {
                        RollupTables.recount(c, f, r, missing, groups, byName, recompute);
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

    static Map<String, String> existing(Connection c, String table) throws SQLException {
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

    static void table(Connection c, FlowSpec f, Map<String, String> wanted, List<String> notes, List<String> created,
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
                String create = TableDdl.create(f, wanted);
                try {
                    st.execute(create);
                } catch (SQLException e) {
                    throw new FlowStatementException(f, "table " + f.table(), create, e);
                }
                log.info("Flow {}: created table {}", f.name(), f.table());
                return;
            }
            requireKeys(c, f, have);
            for (Map.Entry<String, String> col : wanted.entrySet()) {
                String type = have.get(col.getKey());
                if (type == null) {
                    if (notes != null) {
                        notes.add("will add column " + f.table() + "." + col.getKey() + " " + col.getValue() + " (flow " + f.name() + ")");
                        continue;
                    }
                    st.execute("ALTER TABLE " + id(f.table()) + " ADD COLUMN " + id(col.getKey()) + " " + col.getValue()
                            + (TableDdl.flag(col.getKey()) ? " NOT NULL DEFAULT FALSE" : ""));
                    log.info("Flow {}: added column {}.{} {}", f.name(), f.table(), col.getKey(), col.getValue());
                } else if (!TableDdl.compatible(type, col.getValue())) {
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
     * A table that exists keeps the keys it was made with: a fact's, patch's or mirror's key is a unique key of the table
     * (its statements upsert on it), and a dimension's surrogate key is one of its columns.
     */
    private static void requireKeys(Connection c, FlowSpec f, Map<String, String> have) throws SQLException {
        if (f.kind() == Kind.DIMENSION) {
            String sk = f.dimension().surrogateKey();
            if (!have.containsKey(sk)) {
                throw new FlowException(f.file(), f.line("surrogateKey"), "flow '" + f.name() + "': surrogate key '" + sk + "', but "
                        + f.table() + " has no such column: a dimension keeps the surrogate key its table was made with");
            }
            return;
        }
        List<List<String>> unique = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(UNIQUE_KEYS)) {
            ps.setString(1, f.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    unique.add(List.of((String[]) rs.getArray(1).getArray()));
                }
            }
        }
        List<String> key = f.key().stream().sorted().toList();
        if (!unique.contains(key)) {
            throw new FlowException(f.file(), f.line("key"), "flow '" + f.name() + "': key (" + String.join(", ", f.key()) + "), but "
                    + f.table() + (unique.isEmpty() ? " has no unique key" : "'s unique keys are " + unique.stream()
                    .map(k -> "(" + String.join(", ", k) + ")").toList()) + ": declare the table's key");
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
    static int declaredAt(FlowSpec f, String column) {
        Column declared = f.columns().get(column);
        if (declared != null && declared.line() > 0) {
            return declared.line();
        }
        return f.lookups().stream().filter(l -> l.into().equals(column) && l.line() > 0).map(Lookup::line).findFirst().orElse(f.line());
    }
}
