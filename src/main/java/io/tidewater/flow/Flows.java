package io.tidewater.flow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of the flows declared in routes/: those that run and those that wait, and each dimension's lookup
 * cache, checked against each other ({@link FlowRules}) when installed. Its
 * statements are {@link #statements()}, and a flow file read again while running goes through {@link #reloader()}.
 */
public class Flows {

    private static final Logger LOG = LoggerFactory.getLogger(Flows.class);

    private final UnaryOperator<String> placeholders;
    private volatile Map<String, FlowSpec> flows;
    /** Declared flows that do not run yet (see {@link FlowDependencies}). */
    private volatile Map<String, Waiting> waiting = Map.of();
    private volatile DataSource warehouse;
    private volatile Consumer<FlowSpec> added = f -> { };
    private final Map<String, DimensionCache> caches = new ConcurrentHashMap<>();
    private final FlowStatements statements = new FlowStatements(() -> flows, () -> warehouse);
    private final FlowReloader reloader = new FlowReloader(this);

    public Flows(List<FlowSpec> declared) {
        this(declared, null);
    }

    /** placeholders: how a flow file read again (a live reload) resolves {{key}}; null for flows that never reload. */
    public Flows(List<FlowSpec> declared, UnaryOperator<String> placeholders) {
        this(declared, placeholders, null);
    }

    /**
     * warehouse: where the tables are (a patch of a table that exists runs without the flow that loads it; reloaded flow
     * files make and extend their tables there), or null. A declared flow whose lookup or patched table names a flow not
     * declared waits for it ({@link #waiting()}).
     */
    public Flows(List<FlowSpec> declared, UnaryOperator<String> placeholders, DataSource warehouse) {
        this.placeholders = placeholders;
        this.warehouse = warehouse;
        FlowRules.validate(declared);
        install(FlowDependencies.split(declared, this::tableExists, Map.of()));
        flows.values().forEach(this::cacheOf);
    }

    /** A dimension's lookup cache, made once (a dimension declared again keeps it). */
    void cacheOf(FlowSpec f) {
        if (f.kind() == FlowSpec.Kind.DIMENSION) {
            caches.putIfAbsent(f.name(), new DimensionCache(f.dimension().cacheSize(), Duration.ofSeconds(f.dimension().cacheExpireSeconds())));
        }
    }

    /** Whether the warehouse has this table (false without a warehouse). */
    boolean tableExists(String table) {
        DataSource edw = warehouse;
        return edw != null && FlowTables.exists(edw, table);
    }

    /** A flow installed while running starts: its dimension cache, then what {@link #onAdded} makes it need. */
    void started(FlowSpec f) {
        cacheOf(f);
        added.accept(f);
    }

    /** The warehouse its tables are in, or null. */
    DataSource warehouse() {
        return warehouse;
    }

    /** Reads flow files again while running. */
    public FlowReloader reloader() {
        return reloader;
    }

    /** What makes a flow added while running operable: its dimension cache, its topics, its replay registration. */
    public void onAdded(Consumer<FlowSpec> added) {
        this.added = added;
    }

    /** The warehouse whose tables a reloaded flow file may create or extend. */
    public void setWarehouse(DataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** Makes these the running and the waiting flows. */
    synchronized void install(FlowDependencies.Split split) {
        flows = new LinkedHashMap<>(split.running());
        waiting = new LinkedHashMap<>(split.waiting());
        statements.clear();
    }

    /** A declared flow that does not run yet, what it waits for, and the line of the key that makes it wait. */
    public record Waiting(FlowSpec flow, String reason, int line) {

        public Waiting(FlowSpec flow, String reason) {
            this(flow, reason, flow.line());
        }
    }

    /** Every declared flow: those that run and those that wait. */
    public List<FlowSpec> declared() {
        List<FlowSpec> all = new ArrayList<>(flows.values());
        waiting.values().forEach(w -> all.add(w.flow()));
        return all;
    }

    /** The declared flows that wait, by name: what each waits for. */
    public Map<String, Waiting> waiting() {
        return waiting;
    }

    /** How a flow file read again resolves {{key}}. */
    public UnaryOperator<String> placeholders() {
        return placeholders;
    }

    /** The route files of a directory, in name order. */
    public static List<Path> flowFiles(Path routes) {
        try (Stream<Path> files = Files.list(routes)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".camel.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the declarations of every routes/*.camel.yaml file. */
    public static List<FlowSpec> read(Path routes, UnaryOperator<String> placeholders) {
        FlowReader reader = new FlowReader(placeholders);
        List<FlowSpec> out = new ArrayList<>();
        for (Path f : flowFiles(routes)) {
            out.addAll(reader.read(f));
        }
        return out;
    }

    public Map<String, FlowSpec> all() {
        return flows;
    }

    public FlowSpec flow(String name) {
        FlowSpec f = flows.get(name);
        if (f == null) {
            throw new IllegalStateException("No flow named '" + name + "'");
        }
        return f;
    }

    /** The flows' statements, made anew whenever the flows change. */
    public FlowStatements statements() {
        return statements;
    }

    /** The cache of each dimension flow, by flow name. */
    public Map<String, DimensionCache> caches() {
        return caches;
    }

    /**
     * Fills each dimension's cache with its newest members, up to the cache's size, so a started instance resolves its
     * lookups from memory at once instead of asking the warehouse batch by batch. Returns the members cached.
     */
    public long warmCaches(DataSource edw) {
        long total = 0;
        for (Map.Entry<String, DimensionCache> e : caches.entrySet()) {
            FlowSpec d = flow(e.getKey());
            long t0 = System.nanoTime();
            List<Map<String, Object>> rows = new ArrayList<>();
            try (java.sql.Connection c = edw.getConnection(); java.sql.PreparedStatement ps = c.prepareStatement(DimensionSql.members(d))) {
                ps.setLong(1, d.dimension().cacheSize());
                ps.setFetchSize(10_000);
                c.setAutoCommit(false);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(Map.of("natural_key", rs.getObject(1), "surrogate_key", rs.getLong(2), "lsn", rs.getLong(3)));
                    }
                }
                c.commit();
            } catch (java.sql.SQLException ex) {
                // A cold cache only costs lookups in the warehouse; the flow still starts.
                LOG.warn("Flow {}: could not fill its lookup cache from {} ({}); lookups will ask the warehouse", d.name(), d.table(), ex.getMessage());
                continue;
            }
            e.getValue().putNewer(DimensionCache.entries(rows));
            total += rows.size();
            LOG.info("Flow {}: lookup cache filled with {} members of {} in {} ms", d.name(), rows.size(), d.table(), (System.nanoTime() - t0) / 1_000_000);
        }
        return total;
    }
}
