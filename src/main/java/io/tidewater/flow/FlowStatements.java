package io.tidewater.flow;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The flows' statements, each generated once from the declarations (per number of rounds for a dimension, per set of
 * columns for a mirror) and made anew when the flows change: the batch statements of the write route, and the lookups'
 * ensure and newest.
 */
public class FlowStatements {

    private final Supplier<Map<String, FlowSpec>> flows;
    private final Supplier<DataSource> warehouse;
    private final Map<String, String> statements = new ConcurrentHashMap<>();
    /** The columns each mirror's table is known to have. */
    private final Map<String, Set<String>> mirrored = new ConcurrentHashMap<>();

    /** flows: the running flows by name, as they are now; warehouse: where the tables are, or null. */
    FlowStatements(Supplier<Map<String, FlowSpec>> flows, Supplier<DataSource> warehouse) {
        this.flows = flows;
        this.warehouse = warehouse;
    }

    /** The flows changed: every statement is generated again. */
    void clear() {
        statements.clear();
        mirrored.clear();
    }

    private FlowSpec flow(String name) {
        FlowSpec f = flows.get().get(name);
        if (f == null) {
            throw new IllegalStateException("No flow named '" + name + "'");
        }
        return f;
    }

    /**
     * The write stage's statement for a batch prepared for a declaration, generated from the flows as they are declared
     * now: a flow file saved since the batch was prepared (or while it is retried) changes the statements of the flows
     * that depend on it, a dimension's moves of the rollups of the facts that look it up, say. The batch's own declaration
     * stays the one its parameters were bound for. A mirror's statement depends on its batch alone: the prepared one is
     * kept, and so is it when the declaration no longer fits the flows around it (a dimension it looks up went).
     */
    public String current(FlowSpec declared, int rounds, String prepared) {
        FlowSpec now = flows.get().get(declared.name());
        if (now == null || declared.kind() == FlowSpec.Kind.MIRROR) {
            return prepared;
        }
        try {
            return declared.equals(now) ? statement(declared.name(), rounds, null)
                    : batchStatement(declared, rounds, flows.get(), placeholderColumn(declared));
        } catch (RuntimeException e) {
            if (prepared == null) {
                throw e;
            }
            return prepared;
        }
    }

    /** The statement of a batch of a flow (not a mirror), for a number of rounds. */
    public String statementFor(String name, int rounds) {
        return statement(name, rounds, null);
    }

    /**
     * The batch's statement, generated once per flow (and per number of rounds for a dimension). A mirror's batch carries
     * its columns, for which its table is made ready and its statement generated once.
     */
    public String statement(String name, Integer rounds, FlowSpec mirror) {
        FlowSpec f = flow(name);
        if (f.kind() == FlowSpec.Kind.MIRROR) {
            return mirrorStatement(mirror == null ? f : mirror);
        }
        int n = rounds == null ? 1 : rounds;
        return statements.computeIfAbsent(name + "/" + n, k -> batchStatement(f, n, flows.get(), placeholderColumn(f)));
    }

    /** Whether a patch's table marks placeholders in the warehouse (its fact's flow may not run now). */
    private boolean placeholderColumn(FlowSpec f) {
        DataSource edw = warehouse.get();
        return f.kind() == FlowSpec.Kind.PATCH && edw != null && FlowTables.hasColumn(edw, f.table(), FlowSql.PLACEHOLDER);
    }

    /**
     * The batch statement of a flow among these flows (a dimension's moves the rollups of the facts that look it up, a
     * patch marks the rows it makes as placeholders when an unversioned fact loads its table); a mirror's for the columns
     * it declares.
     */
    static String batchStatement(FlowSpec f, int rounds, Map<String, FlowSpec> flows) {
        return batchStatement(f, rounds, flows, false);
    }

    /** The same; placeholderColumn: the patched table marks placeholders (its unversioned fact's flow may not run now). */
    static String batchStatement(FlowSpec f, int rounds, Map<String, FlowSpec> flows, boolean placeholderColumn) {
        return switch (f.kind()) {
            case FACT -> FactSql.fact(f, flows);
            case PATCH -> PatchSql.patch(f, placeholderColumn || flows.values().stream().anyMatch(o -> o.kind() == FlowSpec.Kind.FACT
                    && o.version() == null && o.table().equals(f.table())));
            case DIMENSION -> DimensionSql.dimension(f, rounds, dependents(f, flows), flows);
            case MIRROR -> MirrorSql.mirror(f);
        };
    }

    private String mirrorStatement(FlowSpec batch) {
        if (!batch.columns().keySet().containsAll(batch.key())) {
            // No change in the batch (every change has its key): only its position is recorded.
            return FlowSql.OFFSETS;
        }
        Map<String, String> wanted = FlowTables.columns(batch, flows.get());
        Set<String> have = mirrored.get(batch.name());
        DataSource edw = warehouse.get();
        if ((have == null || !have.containsAll(wanted.keySet())) && edw != null) {
            mirrored.put(batch.name(), FlowTables.mirror(edw, batch));
        }
        StringBuilder signature = new StringBuilder(batch.name()).append("/mirror");
        wanted.forEach((c, t) -> signature.append('/').append(c).append(' ').append(t));
        return statements.computeIfAbsent(signature.toString(), k -> MirrorSql.mirror(batch));
    }

    /** The fact flows that look a dimension up. */
    static List<FlowSpec> dependents(FlowSpec dimension, Map<String, FlowSpec> flows) {
        return flows.values().stream().filter(f -> f.lookups().stream().anyMatch(l -> l.dimension().equals(dimension.name()))).toList();
    }

    /** The statement creating a dimension's inferred members for a lookup's misses (parameter missing). */
    public String ensure(String dimension) {
        return statements.computeIfAbsent(dimension + "/ensure", k -> DimensionSql.ensure(flow(dimension)));
    }

    /** The statement reading the newest version of a lookup's misses (parameter missing). */
    public String newestOfMissing(String dimension) {
        return statements.computeIfAbsent(dimension + "/missing", k -> DimensionSql.newest(flow(dimension), Parameters.MISSING));
    }

    /** After a dimension batch committed: the statement reading the newest version of the members it touched. */
    public String newest(String name) {
        return statements.computeIfAbsent(name + "/newest", k -> DimensionSql.newest(flow(name), Parameters.WRITE_THROUGH_KEYS));
    }
}
