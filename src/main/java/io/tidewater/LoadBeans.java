package io.tidewater;

import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.tidewater.config.ConfigException;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.enrich.CustomerCache;
import io.tidewater.enrich.CustomerDimension;
import io.tidewater.enrich.CustomerKeysStrategy;
import io.tidewater.events.BatchCommit;
import io.tidewater.events.CallBatch;
import io.tidewater.events.CallEventParser;
import io.tidewater.events.CustomerBatch;
import io.tidewater.events.OrderBatch;
import io.tidewater.events.ShippingBatch;
import io.tidewater.ops.Jmx;
import io.tidewater.ops.PipelineMonitor;
import io.tidewater.ops.PipelineStats;
import io.tidewater.ops.StatusLine;
import io.tidewater.replay.ReplayService;
import io.tidewater.warehouse.BatchIsolation;
import io.tidewater.warehouse.EdwOffsetRepository;
import io.tidewater.warehouse.WarehouseErrors;

/** The beans the load routes refer to by name, bound the same way by the application and by the route tests. */
public final class LoadBeans {

    public static final String CACHE_MBEAN = "tidewater:type=cache,name=customers";

    private LoadBeans() {
    }

    /**
     * Binds the load beans. The pipeline monitor (consumer lag) is created too but only talks to Kafka once the
     * ops-status route refreshes it.
     */
    public static PipelineStats bind(BiConsumer<String, Object> registry, DataSource edw, TidewaterConfig config,
                                     MeterRegistry meters, String bootstrapServers) {
        String group = config.get(Keys.LOAD_GROUP, "tidewater-load");
        int maxBytes = config.getInt(Keys.LOAD_MAX_EVENT_BYTES, 65_536);
        for (String route : List.of("calls", "shipping", "customers", "orders")) {
            String key = Keys.LOAD_CONSUMERS + route;
            if (config.getInt(key, 1) < 1) {
                throw new ConfigException(key, config.get(key) + " consumers cannot load anything", "set 1 or more (the route's consumersCount)");
            }
        }
        PipelineStats stats = new PipelineStats(meters);
        registry.accept("edw", edw);
        registry.accept("edwOffsets", new EdwOffsetRepository(edw, group));
        registry.accept("pipelineStats", stats);
        registry.accept("statusLine", new StatusLine(stats, edw));
        registry.accept("batchCommit", new BatchCommit());
        registry.accept("warehouseErrors", new WarehouseErrors());
        registry.accept("batchIsolation", new BatchIsolation());
        registry.accept("callBatch", new CallBatch(new CallEventParser(maxBytes), group, stats));
        registry.accept("shippingBatch", new ShippingBatch(maxBytes, group, stats));
        registry.accept("customerBatch", new CustomerBatch(maxBytes, group, stats));
        registry.accept("orderBatch", new OrderBatch(maxBytes, group, stats));
        registry.accept("customerDimension", new CustomerDimension());
        registry.accept("customerKeys", new CustomerKeysStrategy());
        CustomerCache cache = new CustomerCache(config.getInt(Keys.CACHE_MAX_SIZE, 100_000),
                Duration.ofSeconds(config.getInt(Keys.CACHE_EXPIRE_SECONDS, 300)));
        registry.accept("customers", cache.cache());
        registry.accept("customerCache", cache);
        CaffeineCacheMetrics.monitor(meters, cache.cache(), "customers");
        Gauge.builder("tidewater.cache.hit.ratio", cache, CustomerCache::getHitRatio)
                .description("Hit ratio of the customer enrichment cache").tag("cache", "customers").register(meters);
        Jmx.register(CACHE_MBEAN, cache);
        List<String> topics = loadTopics(config);
        PipelineMonitor monitor = new PipelineMonitor(stats, edw, group, topics, bootstrapServers, meters);
        registry.accept("pipelineMonitor", monitor);
        Jmx.register(PipelineMonitor.MBEAN, monitor);
        ReplayService replay = new ReplayService(edw, group, instanceId(config), List.of(
                new ReplayService.LoadTopic(topics.get(0), "events-calls", "direct:apply-calls"),
                new ReplayService.LoadTopic(topics.get(1), "events-shipping", "direct:apply-shipping"),
                new ReplayService.LoadTopic(topics.get(2), "cdc-customers", "direct:apply-customers"),
                new ReplayService.LoadTopic(topics.get(3), "cdc-orders", "direct:apply-orders")), bootstrapServers);
        replay.setLagSource(monitor::getLagByTopic);
        registry.accept("replayService", replay);
        Jmx.register(ReplayService.MBEAN, replay);
        return stats;
    }

    /**
     * This instance's name among the load instances, in its Kafka client ids (so a live replay can tell its own consumers
     * from other instances'): tidewater.load.instance-id, or the host name and process id.
     */
    public static String instanceId(TidewaterConfig config) {
        String configured = config.get(Keys.LOAD_INSTANCE_ID, "");
        if (!configured.isBlank()) {
            if (!configured.matches("[A-Za-z0-9._-]+")) {
                throw new ConfigException(Keys.LOAD_INSTANCE_ID, "must be letters, digits, '.', '_' or '-', was '" + configured + "'",
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

    public static List<String> loadTopics(TidewaterConfig config) {
        return List.of(config.get(Keys.TOPIC_CALLS, "events.callcenter.calls"), config.get(Keys.TOPIC_SHIPPING, "events.shipping"),
                config.get(Keys.TOPIC_CUSTOMERS, "cdc.crm.public.customers"), config.get(Keys.TOPIC_ORDERS, "cdc.sales.public.orders"));
    }
}
