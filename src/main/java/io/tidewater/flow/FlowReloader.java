package io.tidewater.flow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flow files read again while Tidewater runs ({@link RoutesWatcher}): the declared flows as they are now, checked against
 * each other and dry-run on the warehouse before any of them is installed in the {@link Flows}; what changes (flows that
 * start, are declared again, stop, or wait) is said to the caller, which makes or removes the routes.
 */
public final class FlowReloader {

    private static final Logger LOG = LoggerFactory.getLogger(FlowReloader.class);

    private final Flows registry;
    /** Flows a dry run refused when what they waited for appeared: they wait until their file is read again. */
    private final Map<String, Flows.Waiting> refused = new ConcurrentHashMap<>();

    FlowReloader(Flows registry) {
        this.registry = registry;
    }

    /**
     * What a flow file saved or deleted changes: flows that start (new, or no longer waiting), flows re-read from the file
     * (their routes are made again), flows no longer declared, and flows that wait now (running before, or new).
     */
    public record Change(List<FlowSpec> started, List<FlowSpec> reloaded, List<FlowSpec> stopped, List<Flows.Waiting> waiting) {
    }

    /**
     * Reads a flow file again (Camel is recreating its routes after an edit): its flows replace the running ones, and the
     * statements are generated anew. A declaration that cannot run throws, and the running set stays as it was.
     */
    public synchronized Change reload(Path file) {
        return reload(file, new FlowReader(registry.placeholders()).read(file), c -> { });
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
        List<FlowSpec> next = new ArrayList<>(registry.declared().stream().filter(f -> !sameFile(f.file(), file)).toList());
        next.addAll(fromFile);
        FlowRules.validate(next);
        fromFile.forEach(f -> refused.remove(f.name()));
        FlowDependencies.Split split = FlowDependencies.split(next, registry::tableExists, refused);
        if (registry.warehouse() != null) {
            split = dryRun(file, next, split);
            FlowTables.prepare(registry.warehouse(), split.running().values());
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
        List<FlowSpec> next = registry.declared().stream().filter(f -> !sameFile(f.file(), file)).toList();
        registry.declared().stream().filter(f -> sameFile(f.file(), file)).forEach(f -> refused.remove(f.name()));
        Change change = apply(FlowDependencies.split(next, registry::tableExists, refused), beforeInstall);
        repair(change);
        return change;
    }

    /**
     * The rollups of the fact flows that start, recomputed before they load (see RollupTables.repair). A flow declared
     * again has its recomputed by {@link #recomputeRollups} once its routes of the earlier declaration have stopped.
     */
    private void repair(Change change) {
        if (registry.warehouse() != null) {
            RollupTables.repair(registry.warehouse(), change.started(), registry.all());
        }
    }

    /**
     * Recomputes a fact flow's rollups from its facts: for a flow declared again, between the stop of its routes of the
     * earlier declaration and the start of its new ones, so that no batch bound for the earlier declaration (its measures
     * and groups) is written after it.
     */
    public void recomputeRollups(FlowSpec f) {
        if (registry.warehouse() != null) {
            RollupTables.recompute(registry.warehouse(), f, registry.all());
        }
    }

    /** Whether any declared flow (running or waiting) comes from this file. */
    public boolean declares(Path file) {
        return registry.declared().stream().anyMatch(f -> sameFile(f.file(), file));
    }

    /**
     * The dry run of the flows that can run: the file's refused flows refuse the file; another file's flow that only now
     * could start and is refused keeps waiting (and so do the flows that wait for it); another file's running flow is
     * only warned about (its batches say so if its statement fails).
     */
    private FlowDependencies.Split dryRun(Path file, List<FlowSpec> declared, FlowDependencies.Split split) {
        while (true) {
            boolean again = false;
            for (DryRun.Refusal r : DryRun.run(registry.warehouse(), split.running().values()).refusals()) {
                if (r.flow() == null || sameFile(r.flow().file(), file)) {
                    throw r.error();
                }
                if (registry.all().get(r.flow().name()) != r.flow()) {
                    LOG.error("Refused {}: flow {} keeps waiting until its file is fixed", r.error().getMessage(), r.flow().name());
                    refused.put(r.flow().name(), new Flows.Waiting(r.flow(), "its file to be fixed: " + r.error().getMessage()));
                    again = true;
                } else {
                    LOG.warn("The warehouse refuses a statement of a flow that runs: {}", r.error().getMessage());
                }
            }
            if (!again) {
                return split;
            }
            split = FlowDependencies.split(declared, registry::tableExists, refused);
        }
    }

    /** Installs a new split of the declared flows, after showing beforeInstall what changes. */
    private Change apply(FlowDependencies.Split split, Consumer<Change> beforeInstall) {
        Map<String, FlowSpec> was = registry.all();
        Map<String, Flows.Waiting> wasWaiting = registry.waiting();
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
        List<Flows.Waiting> nowWaiting = split.waiting().values().stream().filter(w -> {
            Flows.Waiting before = wasWaiting.get(w.flow().name());
            return before == null || before.flow() != w.flow() || !before.reason().equals(w.reason());
        }).toList();
        Change change = new Change(started, reloaded, stopped, nowWaiting);
        beforeInstall.accept(change);
        registry.install(split);
        started.forEach(registry::started);
        return change;
    }

    private static boolean sameFile(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
