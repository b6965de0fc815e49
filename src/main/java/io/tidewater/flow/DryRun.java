package io.tidewater.flow;

import static io.tidewater.flow.Sql.id;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The dry run of flow declarations on the warehouse, before they run (tidewater check, the start, a live reload): in one
 * transaction that is rolled back, their tables are made ready as a start would make them, then every statement
 * generated for them runs with each parameter NULL (an empty batch). So an expression naming a column that does not
 * exist is refused before any batch meets it. A refusal points at the line of the declaration that PostgreSQL's error
 * position falls in (a rollup's group, a column's expression, a measure, a column, a lookup), else at the flow's.
 */
public final class DryRun {

    private static final Pattern PARAM = Pattern.compile(":\\?[A-Za-z0-9_]+");
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DryRun.class);

    /** A statement whose dry run stopped for a reason that is not its declaration's. */
    private static final class Incomplete extends RuntimeException {
        Incomplete() {
            super(null, null, false, false);
        }
    }

    private DryRun() {
    }

    /** A declaration the warehouse refuses: the flow at fault (not always the one whose statement failed), and why. */
    public record Refusal(FlowSpec flow, FlowException error) {
    }

    /** What a dry run found, and what it cost: the statements run and the time taken. */
    public record Result(List<Refusal> refusals, int statements, long millis) {
    }

    public static Result run(DataSource edw, Collection<FlowSpec> flows) {
        try (Connection c = edw.getConnection()) {
            return run(c, flows);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot dry-run the flows' statements: " + e.getMessage(), e);
        }
    }

    /** Runs on this connection, in a transaction of its own that is rolled back (the connection's auto-commit restored). */
    public static Result run(Connection c, Collection<FlowSpec> flows) throws SQLException {
        long t0 = System.nanoTime();
        Map<String, FlowSpec> byName = new LinkedHashMap<>();
        flows.forEach(f -> byName.put(f.name(), f));
        List<Refusal> refusals = new ArrayList<>();
        int run = 0;
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            // Extending a table takes its lock: never wait long for the batches that write it.
            st.execute("SET LOCAL lock_timeout = '10s'");
            st.execute("SET LOCAL statement_timeout = '60s'");
            try {
                FlowTables.prepareUncommitted(c, flows);
            } catch (FlowStatementException e) {
                refusals.add(refusal(e, flows));
            } catch (FlowException e) {
                refusals.add(new Refusal(flows.stream().filter(f -> f.file().equals(e.file())).findFirst().orElse(null), e));
            }
            if (!refusals.isEmpty()) {
                // Without their tables the statements would only fail again, saying less.
                return new Result(refusals, run, (System.nanoTime() - t0) / 1_000_000);
            }
            // A fact's own statement first: a group at fault is reported as the fact's, not as a dimension's move.
            List<FlowSpec> order = new ArrayList<>(flows.stream().filter(f -> f.kind() != FlowSpec.Kind.DIMENSION).toList());
            order.addAll(flows.stream().filter(f -> f.kind() == FlowSpec.Kind.DIMENSION).toList());
            for (FlowSpec f : order) {
                for (Map.Entry<String, String> s : statements(f, byName).entrySet()) {
                    run++;
                    Savepoint before = c.setSavepoint();
                    try {
                        execute(st, f, s.getKey(), s.getValue());
                    } catch (Incomplete e) {
                        // said in the log
                    } catch (FlowStatementException e) {
                        Refusal r = refusal(e, flows);
                        // A fact's group is in its own statement and in its dimension's moves: said once.
                        if (refusals.stream().noneMatch(o -> o.error().file().equals(r.error().file()) && o.error().line() == r.error().line())) {
                            refusals.add(r);
                        }
                    } finally {
                        c.rollback(before);
                    }
                }
            }
        } finally {
            c.rollback();
            c.setAutoCommit(auto);
        }
        return new Result(refusals, run, (System.nanoTime() - t0) / 1_000_000);
    }

    /** The statements the engine generates for a flow among these, by what they are. */
    static Map<String, String> statements(FlowSpec f, Map<String, FlowSpec> flows) {
        Map<String, String> out = new LinkedHashMap<>();
        if (f.kind() == FlowSpec.Kind.MIRROR && !f.columns().keySet().containsAll(f.key())) {
            // Its columns and their types come with its records' schema: nothing to run before the first change.
            return out;
        }
        out.put("batch statement", FlowStatements.batchStatement(f, 1, flows));
        if (f.kind() == FlowSpec.Kind.DIMENSION) {
            out.put("statement creating inferred members", DimensionSql.ensure(f));
            out.put("statement reading the newest members", DimensionSql.newest(f, Parameters.WRITE_THROUGH_KEYS));
        }
        return out;
    }

    /** Each statement of a generated text on its own (an error's position is within its statement), parameters NULL. */
    private static void execute(Statement st, FlowSpec f, String what, String sql) throws FlowStatementException {
        for (String piece : pieces(PARAM.matcher(sql).replaceAll("NULL"))) {
            try {
                st.execute(piece);
            } catch (SQLException e) {
                String state = e.getSQLState() == null ? "" : e.getSQLState();
                if (state.startsWith("42") || state.startsWith("22")) {
                    // The statement itself is wrong (a name, a type, an expression): the declaration is refused.
                    throw new FlowStatementException(f, what, piece, e);
                }
                // Not the declaration's fault (a lock, a serialization failure, a trigger of the warehouse's own):
                // its batches meet it and say so; the rest of this statement is not tried.
                LOG.warn("Flow {}: the dry run of its {} did not complete ({}: {}); not refused", f.name(), what, state,
                        e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse(""));
                throw new Incomplete();
            }
        }
    }

    /** The statements of a generated text: each ends with ";" and a new line (no expression may hold a ";"). */
    private static List<String> pieces(String sql) {
        return java.util.Arrays.stream(sql.split(";\n")).map(String::strip).filter(p -> !p.isEmpty()).toList();
    }

    /** A declaration that PostgreSQL refused, read at the line its error position points into. */
    static Refusal refusal(FlowStatementException e, Collection<FlowSpec> flows) {
        FlowSpec owner = e.flow();
        String reason = reason(e);
        int position = position(e);
        String where = " (dry run of the " + e.what() + " of flow '" + owner.name() + "')";
        if (position > 0) {
            for (String piece : pieces(e.sql())) {
                for (Culprit c : culprits(owner, flows)) {
                    for (int at = piece.indexOf(c.text()); at >= 0; at = piece.indexOf(c.text(), at + 1)) {
                        if (position - 1 >= at + c.from() && position - 1 < at + c.to()) {
                            return new Refusal(c.flow(), new FlowException(c.flow().file(), c.line(), "flow '" + c.flow().name() + "', "
                                    + c.what() + ": " + reason + where));
                        }
                    }
                }
            }
        }
        return new Refusal(owner, new FlowException(owner.file(), owner.line(), "flow '" + owner.name() + "': its " + e.what()
                + " fails on the warehouse: " + reason));
    }

    /** The same as an exception to throw. */
    static FlowException blame(FlowStatementException e, Collection<FlowSpec> flows) {
        return refusal(e, flows).error();
    }

    /**
     * A part of a declaration, as its text appears in the statements made from it; an error position between from and to
     * (offsets in the text) points at it.
     */
    private record Culprit(FlowSpec flow, int line, String what, String text, int from, int to) {

        Culprit(FlowSpec flow, int line, String what, String text) {
            this(flow, line, what, text, 0, text.length());
        }
    }

    /** Each group and measure of a rollup, at its name in the column list of the rollup's upsert. */
    private static void rollupColumns(FlowSpec f, FlowSpec.Rollup r, List<Culprit> out) {
        List<String> names = new ArrayList<>(r.groupBy().keySet());
        names.addAll(r.measures().keySet());
        Map<String, String> counts = RollupSql.valueCounts(f, r);
        names.addAll(counts.values());
        String head = "INSERT INTO " + id(r.table()) + " AS a (" + String.join(", ", names.stream().map(Sql::id).toList()) + ")";
        int at = head.indexOf('(');
        for (String n : names) {
            at = head.indexOf(id(n), at);
            String measure = counts.entrySet().stream().filter(e -> e.getValue().equals(n)).map(Map.Entry::getKey).findFirst().orElse(n);
            String what = r.groupBy().containsKey(n) ? "group '" + n + "'" : "measure '" + measure + "'";
            out.add(new Culprit(f, r.lineOf(measure), "rollup " + r.table() + ", " + what, head, at, at + id(n).length()));
        }
    }

    /**
     * What a flow's statement is made of, most specific first: the expressions (rollup groups and columns) of the flow and,
     * for a dimension, of the facts whose rollups its fill-ins move; then measures, columns and lookups.
     */
    private static List<Culprit> culprits(FlowSpec owner, Collection<FlowSpec> flows) {
        List<FlowSpec> involved = new ArrayList<>();
        involved.add(owner);
        if (owner.kind() == FlowSpec.Kind.DIMENSION) {
            flows.stream().filter(f -> f.lookups().stream().anyMatch(l -> l.dimension().equals(owner.name()))).forEach(involved::add);
        }
        List<Culprit> out = new ArrayList<>();
        for (FlowSpec f : involved) {
            for (FlowSpec.Rollup r : f.rollups()) {
                r.groupBy().forEach((name, expr) -> out.add(new Culprit(f, r.lineOf(name), "rollup " + r.table() + ", group '" + name + "'",
                        "(" + expr + ")")));
            }
            for (FlowSpec.Column c : f.columns().values()) {
                if (c.expression() != null) {
                    out.add(new Culprit(f, c.line(), "column '" + c.name() + "', expression", "(" + c.expression() + ")"));
                }
            }
        }
        for (FlowSpec f : involved) {
            for (FlowSpec.Rollup r : f.rollups()) {
                r.measures().forEach((name, m) -> {
                    if (m.column() != null) {
                        out.add(new Culprit(f, r.lineOf(name), "rollup " + r.table() + ", measure '" + name + "'", "fact." + id(m.column())));
                    }
                });
            }
        }
        for (FlowSpec f : involved) {
            f.rollups().forEach(r -> rollupColumns(f, r, out));
        }
        for (FlowSpec.Column c : owner.columns().values()) {
            if (c.line() > 0) {
                out.add(new Culprit(owner, c.line(), "column '" + c.name() + "'", id(c.name())));
            }
        }
        for (FlowSpec.Lookup l : owner.lookups()) {
            out.add(new Culprit(owner, l.line() > 0 ? l.line() : owner.line("lookups"), "lookup '" + l.name() + "'", id(l.into())));
        }
        return out;
    }

    /** PostgreSQL's message, with its hint when it gives one. */
    private static String reason(SQLException e) {
        ServerErrorMessage m = server(e);
        if (m == null || m.getMessage() == null) {
            return String.valueOf(e.getMessage()).lines().findFirst().orElse("?");
        }
        return m.getMessage() + (m.getHint() == null ? "" : " (" + m.getHint() + ")");
    }

    /** Where in its statement PostgreSQL's error is (1-based), or 0. */
    private static int position(SQLException e) {
        ServerErrorMessage m = server(e);
        return m == null ? 0 : m.getPosition();
    }

    private static ServerErrorMessage server(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PSQLException p && p.getServerErrorMessage() != null) {
                return p.getServerErrorMessage();
            }
        }
        return null;
    }
}
