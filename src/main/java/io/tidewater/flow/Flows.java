package io.tidewater.flow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.tidewater.ops.PipelineStats;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flows declared in routes/: reads every declaration once, checks them against each other, and serves the generic
 * steps of the flow-apply route (prepare, statement, write-through) for whichever flow a batch belongs to. A flow file
 * saved while running is read again here ({@link RoutesWatcher}).
 */
public class Flows {

    private static final Logger LOG = LoggerFactory.getLogger(Flows.class);

    public static final String FLOW = "tidewaterFlow";
    /** Exchange property of a batch: the declaration it was prepared for (its parameters are that declaration's). */
    public static final String DECLARED = "tidewaterDeclared";
    /** Exchange property of a batch being written: the statement it was given (see {@link #current}). */
    public static final String STATEMENT = "tidewaterStatement";

    private final int maxBytes;
    private final String group;
    private final PipelineStats stats;
    private final UnaryOperator<String> placeholders;
    private volatile Map<String, FlowSpec> flows;
    /** Declared flows that do not run yet (see {@link FlowDependencies}). */
    private volatile Map<String, Waiting> waiting = Map.of();
    /** Flows a dry run refused when what they waited for appeared: they wait until their file is read again. */
    private final Map<String, Waiting> refused = new ConcurrentHashMap<>();
    private volatile DataSource warehouse;
    private volatile io.tidewater.events.Originals originals;
    private volatile Consumer<FlowSpec> added = f -> { };
    private volatile Map<String, io.tidewater.events.LoadBatch<?>> batches;
    /** The columns each mirror's table is known to have. */
    private final Map<String, Set<String>> mirrored = new ConcurrentHashMap<>();
    private final Map<String, DimensionCache> caches = new ConcurrentHashMap<>();
    private final Map<String, String> statements = new ConcurrentHashMap<>();

    public Flows(List<FlowSpec> declared, int maxBytes, String group, PipelineStats stats) {
        this(declared, maxBytes, group, stats, null);
    }

    /** placeholders: how a flow file read again (a live reload) resolves {{key}}; null for flows that never reload. */
    public Flows(List<FlowSpec> declared, int maxBytes, String group, PipelineStats stats, UnaryOperator<String> placeholders) {
        this(declared, maxBytes, group, stats, placeholders, null);
    }

    /**
     * warehouse: where the tables are (a patch of a table that exists runs without the flow that loads it; reloaded flow
     * files make and extend their tables there), or null. A declared flow whose lookup or patched table names a flow not
     * declared waits for it ({@link #waiting()}).
     */
    public Flows(List<FlowSpec> declared, int maxBytes, String group, PipelineStats stats, UnaryOperator<String> placeholders,
                 DataSource warehouse) {
        this.maxBytes = maxBytes;
        this.group = group;
        this.stats = stats;
        this.placeholders = placeholders;
        this.warehouse = warehouse;
        validate(declared);
        install(FlowDependencies.split(declared, this::tableExists, Map.of()));
        flows.values().forEach(this::cacheOf);
    }

    /** A dimension's lookup cache, made once (a dimension declared again keeps it). */
    private void cacheOf(FlowSpec f) {
        if (f.kind() == FlowSpec.Kind.DIMENSION) {
            caches.putIfAbsent(f.name(), new DimensionCache(f.dimension().cacheSize(), Duration.ofSeconds(f.dimension().cacheExpireSeconds())));
        }
    }

    /** Whether the warehouse has this table (false without a warehouse). */
    private boolean tableExists(String table) {
        DataSource edw = warehouse;
        return edw != null && FlowTables.exists(edw, table);
    }

    /** What makes a flow added while running operable: its dimension cache, its topics, its replay registration. */
    public void onAdded(Consumer<FlowSpec> added) {
        this.added = added;
    }

    /** Where re-driven dead letters that kept only a prefix of their record find the original. */
    public synchronized void setOriginals(io.tidewater.events.Originals originals) {
        this.originals = originals;
        batches.values().forEach(b -> b.setOriginals(originals));
    }

    /** The warehouse whose tables a reloaded flow file may create or extend. */
    public void setWarehouse(DataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** Makes these the running and the waiting flows. */
    private synchronized void install(FlowDependencies.Split split) {
        Map<String, io.tidewater.events.LoadBatch<?>> prepared = new HashMap<>();
        for (FlowSpec f : split.running().values()) {
            io.tidewater.events.LoadBatch<?> batch = f.kind() == FlowSpec.Kind.MIRROR ? new MirrorBatch(f, maxBytes, group, stats)
                    : new FlowBatch(f, maxBytes, group, stats);
            batch.setOriginals(originals);
            prepared.put(f.name(), batch);
        }
        mirrored.clear();
        flows = new LinkedHashMap<>(split.running());
        waiting = new LinkedHashMap<>(split.waiting());
        batches = prepared;
        statements.clear();
    }

    /**
     * The flows by name, once checked against each other: names, topics, lookups and what each kind allows. A lookup of a
     * flow not declared is no mistake: its flow waits for it.
     */
    private static Map<String, FlowSpec> validate(Collection<FlowSpec> declared) {
        Map<String, FlowSpec> byName = new LinkedHashMap<>();
        Map<String, FlowSpec> byTopic = new HashMap<>();
        Map<String, FlowSpec> byTable = new HashMap<>();
        for (FlowSpec f : declared) {
            FlowSpec twin = byName.put(f.name(), f);
            if (twin != null) {
                throw new FlowException(f.file(), f.line(), "flow '" + f.name() + "' is also declared in " + twin.file() + ":" + twin.line());
            }
            for (String topic : f.topics()) {
                FlowSpec sameTopic = byTopic.put(topic, f);
                if (sameTopic != null) {
                    throw new FlowException(f.file(), f.line("topic"), "flow '" + f.name() + "' reads topic " + topic + ", which flow '"
                            + sameTopic.name() + "' reads already");
                }
            }
            // A table is loaded by one flow: a second one's rows would miss the first one's rollups and lookups. A patch
            // updates another flow's table, which is what it is for.
            if (f.kind() != FlowSpec.Kind.PATCH) {
                FlowSpec sameTable = byTable.putIfAbsent(f.table(), f);
                if (sameTable != null) {
                    throw new FlowException(f.file(), f.line("table"), "flow '" + f.name() + "' loads table " + f.table() + ", which flow '"
                            + sameTable.name() + "' loads already; a table is loaded by one flow (a patch may update its columns)");
                }
            }
        }
        for (FlowSpec f : declared) {
            for (FlowSpec.Lookup l : f.lookups()) {
                FlowSpec d = byName.get(l.dimension());
                if (d != null && d.kind() != FlowSpec.Kind.DIMENSION) {
                    throw new FlowException(f.file(), l.line() > 0 ? l.line() : f.line("lookups"), "flow '" + f.name() + "', lookup '" + l.name() + "': '" + l.dimension()
                            + "' is not a dimension flow; the dimension flows are " + byName.values().stream()
                            .filter(x -> x.kind() == FlowSpec.Kind.DIMENSION).map(FlowSpec::name).toList());
                }
            }
            if (f.version() == null && f.kind() == FlowSpec.Kind.FACT && f.debezium() && f.deletes() != FlowSpec.Deletes.IGNORE) {
                throw new FlowException(f.file(), f.line("deletes", "kind"), "flow '" + f.name() + "': a fact from changes without a version guard cannot apply "
                        + "deletes; declare version: lsn, or deletes: ignore");
            }
            if (f.kind() == FlowSpec.Kind.PATCH) {
                refuseRolledUpPatch(f, declared);
            }
            refuseGroupsChangedInPlace(f, byName);
            for (FlowSpec.Rollup r : f.rollups()) {
                for (String count : FlowSql.valueCounts(f, r).values()) {
                    if (r.measures().containsKey(count) || r.groupBy().containsKey(count)) {
                        throw new FlowException(f.file(), r.lineOf(count) > 0 ? r.lineOf(count) : f.line("rollups"), "flow '" + f.name() + "', rollup " + r.table() + ": '" + count
                                + "' counts the values of the sum " + count.substring(0, count.length() - "_count".length())
                                + " (its column may be NULL); name the other column otherwise");
                    }
                }
            }
            if (f.version() != null && !f.rollups().isEmpty()) {
                throw new FlowException(f.file(), f.line("version", "rollups"), "flow '" + f.name() + "': rollups are kept for facts without a version guard");
            }
        }
        return byName;
    }

    /**
     * A rollup may group by a looked-up member's column only when that column never changes in place: a tracked column of
     * a type-2 dimension (a change of it opens a new version, and the facts keep the version they were loaded with). A
     * column updated in place would leave the groups of the facts already counted where they were.
     */
    private static void refuseGroupsChangedInPlace(FlowSpec f, Map<String, FlowSpec> byName) {
        for (FlowSpec.Lookup l : f.lookups()) {
            FlowSpec d = byName.get(l.dimension());
            if (d == null || d.dimension() == null) {
                continue;
            }
            java.util.regex.Pattern used = java.util.regex.Pattern.compile("(?<![a-z0-9_])" + l.name() + "\\s*\\.\\s*\"?([a-z_][a-z0-9_]*)");
            for (FlowSpec.Rollup r : f.rollups()) {
                for (Map.Entry<String, String> g : r.groupBy().entrySet()) {
                    java.util.regex.Matcher m = used.matcher(g.getValue());
                    while (m.find()) {
                        String column = m.group(1);
                        boolean fixed = column.equals(d.naturalKey()) || column.equals(d.dimension().surrogateKey())
                                || d.dimension().scd() == 2 && d.dimension().tracked().contains(column);
                        if (!fixed) {
                            throw new FlowException(f.file(), r.lineOf(g.getKey()) > 0 ? r.lineOf(g.getKey()) : f.line("rollups"), "flow '"
                                    + f.name() + "', rollup " + r.table() + ", group '" + g.getKey() + "': " + l.name() + "." + column
                                    + " changes in place in dimension '" + d.name() + "' (" + (d.dimension().scd() == 2 ? "it is not tracked"
                                    : "scd: 1") + "), which would leave the facts already counted in their old groups; group by a tracked "
                                    + "column of a type-2 dimension (scd: 2, tracked: " + column + ")");
                        }
                    }
                }
            }
        }
    }

    /**
     * A patch may not write a column that a rollup of the patched fact reads: a rollup is kept from its fact's records, so
     * a patched value would never reach it.
     */
    private static void refuseRolledUpPatch(FlowSpec patch, Collection<FlowSpec> declared) {
        for (FlowSpec f : declared) {
            if (f.kind() != FlowSpec.Kind.FACT || !f.table().equals(patch.table())) {
                continue;
            }
            for (FlowSpec.Rollup r : f.rollups()) {
                for (FlowSpec.Column c : patch.stored()) {
                    if (patch.key().contains(c.name())) {
                        continue;
                    }
                    java.util.regex.Pattern word = java.util.regex.Pattern.compile("(?<![a-z0-9_.])" + c.name() + "(?![a-z0-9_])");
                    boolean read = r.measures().values().stream().anyMatch(m -> c.name().equals(m.column()))
                            || r.groupBy().values().stream().anyMatch(e -> word.matcher(e).find());
                    if (read) {
                        throw new FlowException(patch.file(), c.line() > 0 ? c.line() : patch.line(), "flow '" + patch.name() + "' patches column '"
                                + c.name() + "' of " + patch.table() + ", which rollup " + r.table() + " of flow '" + f.name()
                                + "' reads; a rollup is kept from its fact's records only, so patch another column");
                    }
                }
            }
        }
    }

    /** A declared flow that does not run yet, what it waits for, and the line of the key that makes it wait. */
    public record Waiting(FlowSpec flow, String reason, int line) {

        public Waiting(FlowSpec flow, String reason) {
            this(flow, reason, flow.line());
        }
    }

    /**
     * What a flow file saved or deleted changes: flows that start (new, or no longer waiting), flows re-read from the file
     * (their routes are made again), flows no longer declared, and flows that wait now (running before, or new).
     */
    public record Change(List<FlowSpec> started, List<FlowSpec> reloaded, List<FlowSpec> stopped, List<Waiting> waiting) {
    }

    /**
     * Reads a flow file again (Camel is recreating its routes after an edit): its flows replace the running ones, and the
     * statements are generated anew. A declaration that cannot run throws, and the running set stays as it was.
     */
    public synchronized Change reload(Path file) {
        return reload(file, new FlowReader(placeholders).read(file), c -> { });
    }

    /** The same with the file's flows already read. */
    public synchronized Change reload(Path file, List<FlowSpec> fromFile) {
        return reload(file, fromFile, c -> { });
    }

    /**
     * The same, with what the file changes shown to beforeInstall first (to stop the routes of the flows that stop or
     * wait now). The flows, the waiting ones included, are checked against each other; those that can run are dry-run on
     * the warehouse: a refusal of the file's own flows refuses the file, and a flow of another file that could start now
     * but is refused keeps waiting, said on the console. Then the tables are made, and the flows installed.
     */
    public synchronized Change reload(Path file, List<FlowSpec> fromFile, Consumer<Change> beforeInstall) {
        List<FlowSpec> next = new ArrayList<>(declared().stream().filter(f -> !sameFile(f.file(), file)).toList());
        next.addAll(fromFile);
        validate(next);
        fromFile.forEach(f -> refused.remove(f.name()));
        FlowDependencies.Split split = FlowDependencies.split(next, this::tableExists, refused);
        if (warehouse != null) {
            split = dryRun(file, next, split);
            FlowTables.prepare(warehouse, split.running().values());
        }
        Change change = apply(split, beforeInstall);
        repair(change);
        return change;
    }

    /**
     * A flow file deleted: its flows stop (their tables stay), and the flows that need one of them wait for it. Returns
     * what changed, shown to beforeInstall first.
     */
    public synchronized Change remove(Path file, Consumer<Change> beforeInstall) {
        List<FlowSpec> next = declared().stream().filter(f -> !sameFile(f.file(), file)).toList();
        declared().stream().filter(f -> sameFile(f.file(), file)).forEach(f -> refused.remove(f.name()));
        Change change = apply(FlowDependencies.split(next, this::tableExists, refused), beforeInstall);
        repair(change);
        return change;
    }

    /**
     * The rollups of the fact flows that start, recomputed before they load (see FlowTables.repair). A flow declared
     * again has its recomputed by {@link #recomputeRollups} once its routes of the earlier declaration have stopped.
     */
    private void repair(Change change) {
        if (warehouse != null) {
            FlowTables.repair(warehouse, change.started(), flows);
        }
    }

    /**
     * Recomputes a fact flow's rollups from its facts: for a flow declared again, between the stop of its routes of the
     * earlier declaration and the start of its new ones, so that no batch bound for the earlier declaration (its measures
     * and groups) is written after it.
     */
    public void recomputeRollups(FlowSpec f) {
        if (warehouse != null) {
            FlowTables.recompute(warehouse, f, flows);
        }
    }

    /** Whether any declared flow (running or waiting) comes from this file. */
    public boolean declares(Path file) {
        return declared().stream().anyMatch(f -> sameFile(f.file(), file));
    }

    /** The declared flows, running and waiting. */
    /** Every declared flow: those that run and those that wait. */
    public List<FlowSpec> declared() {
        List<FlowSpec> all = new ArrayList<>(flows.values());
        waiting.values().forEach(w -> all.add(w.flow()));
        return all;
    }

    /**
     * The dry run of the flows that can run: the file's refused flows refuse the file; another file's flow that only now
     * could start and is refused keeps waiting (and so do the flows that wait for it); another file's running flow is
     * only warned about (its batches say so if its statement fails).
     */
    private FlowDependencies.Split dryRun(Path file, List<FlowSpec> declared, FlowDependencies.Split split) {
        while (true) {
            boolean again = false;
            for (DryRun.Refusal r : DryRun.run(warehouse, split.running().values()).refusals()) {
                if (r.flow() == null || sameFile(r.flow().file(), file)) {
                    throw r.error();
                }
                if (flows.get(r.flow().name()) != r.flow()) {
                    LOG.error("Refused {}: flow {} keeps waiting until its file is fixed", r.error().getMessage(), r.flow().name());
                    refused.put(r.flow().name(), new Waiting(r.flow(), "its file to be fixed: " + r.error().getMessage()));
                    again = true;
                } else {
                    LOG.warn("The warehouse refuses a statement of a flow that runs: {}", r.error().getMessage());
                }
            }
            if (!again) {
                return split;
            }
            split = FlowDependencies.split(declared, this::tableExists, refused);
        }
    }

    /** Installs a new split of the declared flows, after showing beforeInstall what changes. */
    private Change apply(FlowDependencies.Split split, Consumer<Change> beforeInstall) {
        Map<String, FlowSpec> was = flows;
        Map<String, Waiting> wasWaiting = waiting;
        List<FlowSpec> started = new ArrayList<>();
        List<FlowSpec> reloaded = new ArrayList<>();
        for (FlowSpec f : split.running().values()) {
            FlowSpec before = was.get(f.name());
            if (before == null) {
                started.add(f);
            } else if (before != f) {
                reloaded.add(f);
            }
        }
        List<FlowSpec> stopped = was.values().stream()
                .filter(f -> !split.running().containsKey(f.name()) && !split.waiting().containsKey(f.name())).toList();
        List<Waiting> nowWaiting = split.waiting().values().stream().filter(w -> {
            Waiting before = wasWaiting.get(w.flow().name());
            return before == null || before.flow() != w.flow() || !before.reason().equals(w.reason());
        }).toList();
        Change change = new Change(started, reloaded, stopped, nowWaiting);
        beforeInstall.accept(change);
        install(split);
        for (FlowSpec f : started) {
            cacheOf(f);
            added.accept(f);
        }
        return change;
    }

    /** The declared flows that wait, by name: what each waits for. */
    public Map<String, Waiting> waiting() {
        return waiting;
    }

    private static boolean sameFile(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
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

    /** The batch preparation of a flow (not a mirror). */
    public FlowBatch batch(String name) {
        return (FlowBatch) batches.get(flow(name).name());
    }

    /** The cache of each dimension flow, by flow name. */
    public Map<String, DimensionCache> caches() {
        return caches;
    }

    /** Validation: the batch's valid records as bound columns, its invalid ones as dead letters (see LoadBatch). */
    public void prepare(@Body List<Exchange> records, @Header(FLOW) String flow, Exchange batch) {
        FlowSpec f = flow(flow);
        batch.setProperty(DECLARED, f);
        batches.get(f.name()).prepare(records, batch);
    }

    /**
     * The write stage's statement, generated from the flows as they are declared now: a flow file saved since the batch
     * was prepared (or while it is retried) changes the statements of the flows that depend on it, a dimension's moves of
     * the rollups of the facts that look it up, say. The batch's own declaration stays the one its parameters were bound
     * for. A mirror's statement depends on its batch alone: kept.
     */
    public Object current(Exchange batch) {
        Object body = batch.getMessage().getBody();
        FlowSpec declared = batch.getProperty(DECLARED, FlowSpec.class);
        String name = batch.getMessage().getHeader(FLOW, String.class);
        FlowSpec now = name == null ? null : flows.get(name);
        if (declared == null || now == null || !(body instanceof String) || declared.kind() == FlowSpec.Kind.MIRROR) {
            return body;
        }
        Integer rounds = batch.getMessage().getHeader(FlowBatch.ROUNDS, Integer.class);
        int n = rounds == null ? 1 : rounds;
        String sql;
        try {
            sql = declared == now || declared.equals(now) ? statement(name, n, null) : batchStatement(declared, n, flows, placeholderColumn(declared));
        } catch (RuntimeException e) {
            // Its declaration no longer fits the flows around it (a dimension it looks up went): as it was prepared.
            return body;
        }
        batch.setProperty(STATEMENT, sql);
        return sql;
    }

    /** The statement of a batch of a flow (not a mirror), for a number of rounds. */
    public String statementFor(String name, int rounds) {
        return statement(name, rounds, null);
    }

    /**
     * The batch's statement, generated once per flow (and per number of rounds for a dimension). A mirror's batch carries
     * its columns, for which its table is made ready and its statement generated once.
     */
    public String statement(@Header(FLOW) String name, @Header(FlowBatch.ROUNDS) Integer rounds,
                            @Header(MirrorBatch.COLUMNS) FlowSpec mirror) {
        FlowSpec f = flow(name);
        if (f.kind() == FlowSpec.Kind.MIRROR) {
            return mirrorStatement(mirror == null ? f : mirror);
        }
        int n = rounds == null ? 1 : rounds;
        return statements.computeIfAbsent(name + "/" + n, k -> batchStatement(f, n, flows, placeholderColumn(f)));
    }

    /** Whether a patch's table marks placeholders in the warehouse (its fact's flow may not run now). */
    private boolean placeholderColumn(FlowSpec f) {
        return f.kind() == FlowSpec.Kind.PATCH && warehouse != null && FlowTables.hasColumn(warehouse, f.table(), FlowSql.PLACEHOLDER);
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
            case FACT -> FlowSql.fact(f, flows);
            case PATCH -> FlowSql.patch(f, placeholderColumn || flows.values().stream().anyMatch(o -> o.kind() == FlowSpec.Kind.FACT
                    && o.version() == null && o.table().equals(f.table())));
            case DIMENSION -> FlowSql.dimension(f, rounds, dependents(f, flows), flows);
            case MIRROR -> FlowSql.mirror(f);
        };
    }

    private String mirrorStatement(FlowSpec batch) {
        if (!batch.columns().keySet().containsAll(batch.key())) {
            // No change in the batch (every change has its key): only its position is recorded.
            return FlowSql.OFFSETS;
        }
        Map<String, String> wanted = FlowTables.columns(batch, flows);
        Set<String> have = mirrored.get(batch.name());
        if ((have == null || !have.containsAll(wanted.keySet())) && warehouse != null) {
            mirrored.put(batch.name(), FlowTables.mirror(warehouse, batch));
        }
        StringBuilder signature = new StringBuilder(batch.name()).append("/mirror");
        wanted.forEach((c, t) -> signature.append('/').append(c).append(' ').append(t));
        return statements.computeIfAbsent(signature.toString(), k -> FlowSql.mirror(batch));
    }

    /** The fact flows that look a dimension up. */
    static List<FlowSpec> dependents(FlowSpec dimension, Map<String, FlowSpec> flows) {
        return flows.values().stream().filter(f -> f.lookups().stream().anyMatch(l -> l.dimension().equals(dimension.name()))).toList();
    }

    /** The statement creating a dimension's inferred members for a lookup's misses (parameter missing). */
    public String ensure(String dimension) {
        return statements.computeIfAbsent(dimension + "/ensure", k -> FlowSql.ensure(flow(dimension)));
    }

    /** The statement reading the newest version of a lookup's misses (parameter missing). */
    public String newestOfMissing(String dimension) {
        return statements.computeIfAbsent(dimension + "/missing", k -> FlowSql.newest(flow(dimension), "missing"));
    }

    /** After a dimension batch committed: the statement reading the newest version of the members it touched. */
    public String newest(@Header(FLOW) String name) {
        return statements.computeIfAbsent(name + "/newest", k -> FlowSql.newest(flow(name), "writeThroughKeys"));
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
            try (java.sql.Connection c = edw.getConnection(); java.sql.PreparedStatement ps = c.prepareStatement(FlowSql.members(d))) {
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
            e.getValue().putNewer(FlowLookups.entries(rows));
            total += rows.size();
            LOG.info("Flow {}: lookup cache filled with {} members of {} in {} ms", d.name(), rows.size(), d.table(), (System.nanoTime() - t0) / 1_000_000);
        }
        return total;
    }

    /** Writes the members a dimension batch touched through to its cache. */
    public void writeThrough(@Body List<Map<String, Object>> rows, @Header(FLOW) String name) {
        caches.get(name).putNewer(FlowLookups.entries(rows));
    }
}
