package io.tidewater;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.tidewater.config.ConfigException;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.flow.DimensionCache;
import io.tidewater.flow.DryRun;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.FlowTables;
import io.tidewater.flow.Flows;
import io.tidewater.flow.Placeholders;
import io.tidewater.flow.RollupTables;
import io.tidewater.kafka.KafkaClients;
import io.tidewater.load.BatchCommit;
import io.tidewater.load.BatchIsolation;
import io.tidewater.load.BatchStatements;
import io.tidewater.load.Batches;
import io.tidewater.load.FlowPipeline;
import io.tidewater.load.PromptPolling;
import io.tidewater.load.Lookups;
import io.tidewater.load.Originals;
import io.tidewater.load.RetriedStatement;
import io.tidewater.load.WarehouseErrors;
import io.tidewater.ops.Jmx;
import io.tidewater.ops.PipelineMonitor;
import io.tidewater.ops.PipelineStats;
import io.tidewater.ops.StatusLine;
import io.tidewater.replay.ReplayService;
import io.tidewater.warehouse.EdwOffsetRepository;
import io.tidewater.warehouse.EdwStatement;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;

/** The beans the load routes refer to by name, bound the same way by the application and by the route tests. */
public final class LoadBeans {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LoadBeans.class);

    /** The JMX name of a dimension flow's lookup cache. */
    public static String cacheMBean(String dimensionFlow) {
        return "tidewater:type=cache,name=" + dimensionFlow;
    }

    public static final String CACHE_MBEAN = cacheMBean("cdc-customers");

    private LoadBeans() {
    }

    /**
     * Reads the flows declared in routes/ and binds the load beans. The pipeline monitor (consumer lag) is created too but
     * only talks to Kafka once the ops-status route refreshes it. A flow that cannot run fails here, before anything is bound.
     */
    public static Flows bind(BiConsumer<String, Object> registry, DataSource edw, TidewaterConfig config,
                             MeterRegistry meters, String bootstrapServers) {
        return bind(registry, edw, config, meters, bootstrapServers, Path.of("routes"));
    }

    /** Reads the flow files of a routes directory and binds their flows' beans. */
    public static Flows bind(BiConsumer<String, Object> registry, DataSource edw, TidewaterConfig config,
                             MeterRegistry meters, String bootstrapServers, Path routes) {
        UnaryOperator<String> placeholders = Placeholders.of(config);
        return bind(registry, edw, config, meters, bootstrapServers, Flows.read(routes, placeholders), placeholders);
    }

    /**
     * Binds the beans of these flows (placeholders: how their files were read, for those read again). Returns the flows:
     * those that wait for a flow not declared yet must not start with the others.
     */
    public static Flows bind(BiConsumer<String, Object> registry, DataSource edw, TidewaterConfig config,
                             MeterRegistry meters, String bootstrapServers, List<FlowSpec> declared,
                             UnaryOperator<String> placeholders) {
        String group = config.get(Keys.LOAD_GROUP);
        requireConsumers(declared, placeholders);
        requireSessionTimeout(bootstrapServers, config.get(Keys.LOAD_SESSION_TIMEOUT_MS));
        PipelineStats stats = new PipelineStats(meters);
        Flows flows = new Flows(declared, placeholders, edw);
        List<FlowSpec> running = List.copyOf(flows.all().values());
        prepareWarehouse(edw, flows, running);
        flows.warmCaches(edw);
        Batches batches = new Batches(flows, config.get(Keys.LOAD_MAX_EVENT_BYTES), group, stats);
        batches.setOriginals(new Originals(bootstrapServers));
        bindLoad(registry, edw, group, stats, flows, batches);
        for (Map.Entry<String, DimensionCache> e : flows.caches().entrySet()) {
            bindCache(registry, meters, flows.flow(e.getKey()), e.getValue());
        }
        List<String> topics = running.stream().flatMap(f -> f.topics().stream()).toList();
        PipelineMonitor monitor = new PipelineMonitor(stats, edw, group, topics, bootstrapServers, meters);
        registry.accept("pipelineMonitor", monitor);
        Jmx.register(PipelineMonitor.MBEAN, monitor);
        ReplayService replay = new ReplayService(edw, group, instanceId(config), running.stream()
                .flatMap(f -> loadTopics(f).stream()).toList(), bootstrapServers);
        replay.setLagSource(monitor::getLagByTopic);
        registry.accept("replayService", replay);
        Jmx.register(ReplayService.MBEAN, replay);
        // A flow that starts while running (its file saved, or what it waited for declared): what it needs before its
        // routes start.
        flows.onAdded(f -> {
            if (f.kind() == FlowSpec.Kind.DIMENSION) {
                bindCache(registry, meters, f, flows.caches().get(f.name()));
            }
            for (ReplayService.LoadTopic t : loadTopics(f)) {
                ensureTopics(bootstrapServers, List.of(t.topic(), t.topic() + ".dlq"));
                monitor.addTopic(t.topic());
                replay.register(t);
            }
        });
        return flows;
    }

    /** Each flow runs one consumer or more: fails naming the key (or the flow) that says otherwise. */
    private static void requireConsumers(List<FlowSpec> declared, UnaryOperator<String> placeholders) {
        for (FlowSpec f : declared) {
            Matcher key = Placeholders.PLACEHOLDER.matcher(f.consumers().strip());
            String value = placeholders.apply(f.consumers());
            int consumers;
            try {
                consumers = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                consumers = 0;
            }
            if (consumers < 1) {
                throw new ConfigException(key.matches() ? key.group(1).strip() : "consumers of flow " + f.name(),
                        value + " consumers cannot load anything",
                        "set 1 or more (the consumersCount of flow " + f.name() + " in " + f.file() + ")");
            }
        }
    }

    /**
     * The load consumers' session timeout within what the brokers allow (group.min.session.timeout.ms to
     * group.max.session.timeout.ms): outside it, no consumer could join its group and nothing would load.
     */
    static void requireSessionTimeout(String bootstrapServers, int sessionTimeoutMs) {
        Config broker;
        try (Admin admin = new KafkaClients(bootstrapServers).admin()) {
            Node node = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next();
            ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(node.id()));
            broker = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        } catch (Exception e) {
            LOG.warn("Could not read the brokers' session timeout bounds ({}); the load consumers' is not checked against them", e.toString());
            return;
        }
        long min = Long.parseLong(broker.get("group.min.session.timeout.ms").value());
        long max = Long.parseLong(broker.get("group.max.session.timeout.ms").value());
        if (sessionTimeoutMs < min || sessionTimeoutMs > max) {
            throw new ConfigException(Keys.LOAD_SESSION_TIMEOUT_MS.key(), "must be between " + min + " and " + max
                    + " (the brokers' group.min.session.timeout.ms and group.max.session.timeout.ms), was " + sessionTimeoutMs,
                    "set a session timeout the brokers accept; the default is " + Keys.LOAD_SESSION_TIMEOUT_MS.defaultValue());
        }
    }

    /**
     * Every statement of the flows that run dry-run on the warehouse (the first refusal fails the start), then their
     * tables made, and their rollups made right (their dimensions may have filled in members while they were away).
     */
    private static void prepareWarehouse(DataSource edw, Flows flows, List<FlowSpec> running) {
        DryRun.Result dry = DryRun.run(edw, running);
        if (!dry.refusals().isEmpty()) {
            dry.refusals().stream().skip(1).forEach(r -> LOG.error("Refused {}", r.error().getMessage()));
            throw dry.refusals().get(0).error();
        }
        LOG.info("Flows: {} statements of {} flows dry-run on the warehouse in {} ms", dry.statements(), running.size(), dry.millis());
        flows.waiting().values().forEach(w -> LOG.info("Flow {} waits for {}", w.flow().name(), w.reason()));
        FlowTables.prepare(edw, running);
        RollupTables.repair(edw, running, flows.all());
    }

    /** The beans the load routes name. */
    private static void bindLoad(BiConsumer<String, Object> registry, DataSource edw, String group, PipelineStats stats, Flows flows,
                                 Batches batches) {
        registry.accept("edw", edw);
        registry.accept("edwStatement", new EdwStatement(edw));
        EdwOffsetRepository positions = new EdwOffsetRepository(edw, group);
        registry.accept("edwOffsets", positions);
        BatchCommit commits = new BatchCommit();
        registry.accept("flowPipeline", new FlowPipeline(positions, commits, stats));
        registry.accept("promptPolling", new PromptPolling());
        registry.accept("pipelineStats", stats);
        registry.accept("statusLine", new StatusLine(stats, edw, () -> flows.all().values().stream().map(FlowSpec::table).toList()));
        registry.accept("batchCommit", commits);
        registry.accept("warehouseErrors", new WarehouseErrors());
        registry.accept("batchIsolation", new BatchIsolation(batches));
        registry.accept("flows", flows);
        registry.accept("batches", batches);
        BatchStatements statements = new BatchStatements(flows);
        registry.accept("batchStatements", statements);
        registry.accept("retriedStatement", new RetriedStatement(statements));
        registry.accept("lookups", new Lookups(flows));
    }

    /** What replays and re-drives of a flow's topics go through: its consumer route and its apply route. */
    private static List<ReplayService.LoadTopic> loadTopics(FlowSpec f) {
        return f.topics().stream().map(t -> new ReplayService.LoadTopic(t, f.name())).toList();
    }

    /** A dimension's lookup cache: found by the camel-caffeine endpoint caffeine-cache:<table>, with meters and JMX. */
    private static void bindCache(BiConsumer<String, Object> registry, MeterRegistry meters, FlowSpec dimension, DimensionCache cache) {
        registry.accept(dimension.table(), cache.cache());
        CaffeineCacheMetrics.monitor(meters, cache.cache(), dimension.name());
        Gauge.builder("tidewater.cache.hit.ratio", cache, DimensionCache::getHitRatio)
                .description("Hit ratio of a dimension's lookup cache").tag("cache", dimension.name()).register(meters);
        Jmx.register(cacheMBean(dimension.name()), cache);
    }

    /** Topics a flow added while running reads and dead-letters to, with the cluster's default settings. */
    private static void ensureTopics(String bootstrapServers, List<String> names) {
        try (org.apache.kafka.clients.admin.Admin admin = new io.tidewater.kafka.KafkaClients(bootstrapServers).admin()) {
            io.tidewater.ops.Topics.ensureWithBrokerDefaults(admin, names);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create the topics " + names + ": " + e.getMessage(), e);
        }
    }

    /**
     * This instance's name among the load instances, in its Kafka client ids (so a live replay can tell its own consumers
     * from other instances'): tidewater.load.instance-id, or the host name and process id.
     */
    public static String instanceId(TidewaterConfig config) {
        String configured = config.get(Keys.LOAD_INSTANCE_ID);
        if (!configured.isBlank()) {
            if (!configured.matches("[A-Za-z0-9._-]+")) {
                throw new ConfigException(Keys.LOAD_INSTANCE_ID.key(), "must be letters, digits, '.', '_' or '-', was '" + configured + "'",
                        "set a plain name such as load-1, or leave it empty for <host>-<pid>");
            }
            return configured;
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return host.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + ProcessHandle.current().pid();
    }

}
