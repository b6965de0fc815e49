package io.tidewater.flow;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live changes of routes/ while Tidewater runs. A flow file saved or edited is read again and its two routes are
 * recreated from the flow templates, so a new flow starts (with its tables and topics) and an edited one runs its new
 * declaration; a declaration that cannot run is refused with its file, line and reason, and the flows keep running
 * as they were. A flow that names one not declared yet waits for it, and starts when it is; a flow file deleted stops
 * its flows (their tables stay), and those that need one of them wait. Any other route file is reloaded by Camel's
 * routes loader (only that file's routes restart).
 *
 * <p>Camel's own route watcher does not make the routes of a flow declared by its bean alone, nor recreate those of a
 * changed {@code templatedRoute}, hence this one.
 */
public final class RoutesWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RoutesWatcher.class);
    /** Events closer than this are one save (editors write a file in several steps). */
    private static final long QUIET_MS = 300;

    private final CamelContext context;
    private final Flows flows;
    private final Path routes;
    private final WatchService watcher;
    private final Thread thread;

    public RoutesWatcher(CamelContext context, Flows flows, Path routes) throws IOException {
        this(context, flows, routes, watch(routes));
    }

    /** watcher: from {@link #watch}, made before the flow files were read, so no save after that is missed. */
    public RoutesWatcher(CamelContext context, Flows flows, Path routes, WatchService watcher) {
        this.context = context;
        this.flows = flows;
        this.routes = routes;
        this.watcher = watcher;
        this.thread = new Thread(this::watch, "tidewater-routes-watcher");
        thread.setDaemon(true);
    }

    /** Watches a directory from now on: what changes before the watcher starts is applied once it does. */
    public static WatchService watch(Path routes) throws IOException {
        WatchService watcher = FileSystems.getDefault().newWatchService();
        routes.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        return watcher;
    }

    public RoutesWatcher start() {
        thread.start();
        LOG.info("Watching {} for new, edited and deleted routes and flows", routes);
        return this;
    }

    private void watch() {
        try {
            while (true) {
                Set<Path> changed = new LinkedHashSet<>();
                collect(watcher.take(), changed);
                for (WatchKey more = watcher.poll(QUIET_MS, TimeUnit.MILLISECONDS); more != null;
                     more = watcher.poll(QUIET_MS, TimeUnit.MILLISECONDS)) {
                    collect(more, changed);
                }
                // What a file is once its events are over: saved (editors may delete and write it again) or gone.
                for (Path file : changed) {
                    if (Files.isRegularFile(file)) {
                        changed(file);
                    } else {
                        deleted(file);
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void collect(WatchKey key, Set<Path> changed) {
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.context() instanceof Path name && name.toString().endsWith(".camel.yaml")) {
                changed.add(routes.resolve(name));
            }
        }
        key.reset();
    }

    /** One file saved: a flow file's flows are applied, any other file goes to Camel's routes loader. */
    void changed(Path file) {
        try {
            List<FlowSpec> declared = new FlowReader(flows.placeholders()).read(file);
            if (declared.isEmpty() && !flows.reloader().declares(file)) {
                Set<String> ids = PluginHelper.getRoutesLoader(context).updateRoutes(
                        List.of(ResourceHelper.resolveResource(context, "file:" + file)));
                LOG.info("Routes in {} reloaded: {}", file, ids);
                return;
            }
            // A flow's routes as they run now: an edit may rename them (templatedRoutes given up for source, say).
            Map<String, FlowSpec> earlier = new HashMap<>();
            flows.declared().forEach(f -> earlier.put(f.name(), f));
            start(flows.reloader().reload(file, declared, c -> stop(c, file + " no longer declares it")), earlier);
        } catch (FlowException e) {
            LOG.error("Refused {}: the flows keep running as they were", e.getMessage());
        } catch (Exception e) {
            LOG.error("Refused {}: {}; the routes keep running as they were", file, e.getMessage());
        }
    }

    /** One file deleted: a flow file's flows stop, keeping their tables; any other file's routes run on until a restart. */
    void deleted(Path file) {
        if (!flows.reloader().declares(file)) {
            LOG.info("{} was deleted; routes it held keep running until the next start", file);
            return;
        }
        try {
            start(flows.reloader().remove(file, c -> stop(c, file + " was deleted")), Map.of());
        } catch (Exception e) {
            LOG.error("Cannot stop the flows of {}, which was deleted: {}", file, e.getMessage());
        }
    }

    /**
     * Before the flows change: the routes of the flows that stop (why: what happened to their file), or wait now, are
     * stopped and removed, and the console says so.
     */
    private void stop(FlowReloader.Change change, String why) {
        for (FlowSpec f : change.stopped()) {
            removeRoutes(f);
            LOG.info("Flow {} stopped: {}; its tables stay ({})", f.name(), why, tables(f));
        }
        for (Flows.Waiting w : change.waiting()) {
            boolean ran = removeRoutes(w.flow());
            LOG.info("Flow {} {}waits for {}", w.flow().name(), ran ? "stopped: it " : "", w.reason());
        }
    }

    /** Stops and removes a flow's routes; false if it had none. */
    private boolean removeRoutes(FlowSpec f) {
        boolean had = false;
        for (String id : List.of(f.route(), f.applyRoute())) {
            if (context.getRoute(id) != null) {
                had = true;
                try {
                    context.getRouteController().stopRoute(id);
                    context.removeRoute(id);
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot stop route " + id + ": " + e.getMessage(), e);
                }
            }
        }
        return had;
    }

    /** Once the flows changed: the routes of the flows that start or were read again are made from the templates. */
    private void start(FlowReloader.Change change, Map<String, FlowSpec> earlier) throws Exception {
        for (FlowSpec f : change.started()) {
            routes(f, earlier.get(f.name()), false);
            LOG.info("Flow {} started from {}: {} into {}", f.name(), f.file(), f.topic(), f.table());
        }
        for (FlowSpec f : change.reloaded()) {
            routes(f, earlier.get(f.name()), true);
            LOG.info("Flow {} reloaded from {}: {} into {}", f.name(), f.file(), f.topic(), f.table());
        }
    }

    /**
     * A flow's two routes, made again from the templates and started (those of its earlier declaration, if any, stopped
     * and removed first, whatever their ids). again: the flow was declared again, and its rollups
     * are recomputed once the routes of its earlier declaration have stopped (their last batch written or abandoned),
     * before the new ones load.
     */
    private void routes(FlowSpec f, FlowSpec earlier, boolean again) throws Exception {
        Set<String> ids = new LinkedHashSet<>(List.of(f.route(), f.applyRoute()));
        if (earlier != null) {
            ids.addAll(List.of(earlier.route(), earlier.applyRoute()));
        }
        for (String id : ids) {
            if (context.getRoute(id) != null) {
                context.getRouteController().stopRoute(id);
                context.removeRoute(id);
            }
        }
        if (again) {
            try {
                flows.reloader().recomputeRollups(f);
            } catch (RuntimeException e) {
                // The flow runs on; its rollups are recomputed at the next start.
                LOG.error("Flow {}: {}; it loads on, and the next start recomputes its rollups", f.name(), e.getMessage());
            }
        }
        context.addRouteFromTemplate(f.applyRoute(), FlowReader.APPLY_TEMPLATE, java.util.Map.of("flow", f.name()));
        context.addRouteFromTemplate(f.route(), FlowReader.SOURCE_TEMPLATE, new java.util.HashMap<>(f.sourceParameters()));
        for (String id : List.of(f.applyRoute(), f.route())) {
            if (!context.getRouteController().getRouteStatus(id).isStarted()) {
                context.getRouteController().startRoute(id);
            }
        }
    }

    /** The tables a flow writes: its own (a patch's is its fact's) and its rollups'. */
    private static String tables(FlowSpec f) {
        List<String> out = new ArrayList<>(List.of(f.table()));
        f.rollups().forEach(r -> out.add(r.table()));
        return String.join(", ", out);
    }

    @Override
    public void close() throws IOException {
        thread.interrupt();
        watcher.close();
    }
}
