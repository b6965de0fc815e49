package io.tidewater;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.BiConsumer;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.sql.DataSource;

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
import io.tidewater.ops.PipelineStats;
import io.tidewater.ops.StatusLine;
import io.tidewater.warehouse.EdwOffsetRepository;

/** The beans the load routes refer to by name, bound the same way by the application and by the route tests. */
public final class LoadBeans {

    public static final String CACHE_MBEAN = "tidewater:type=cache,name=customers";

    private LoadBeans() {
    }

    public static PipelineStats bind(BiConsumer<String, Object> registry, DataSource edw, TidewaterConfig config) {
        String group = config.get(Keys.LOAD_GROUP, "tidewater-load");
        int maxBytes = config.getInt(Keys.LOAD_MAX_EVENT_BYTES, 65_536);
        PipelineStats stats = new PipelineStats();
        registry.accept("edw", edw);
        registry.accept("edwOffsets", new EdwOffsetRepository(edw, group));
        registry.accept("pipelineStats", stats);
        registry.accept("statusLine", new StatusLine(stats, edw));
        registry.accept("batchCommit", new BatchCommit());
        registry.accept("callBatch", new CallBatch(new CallEventParser(maxBytes), group, stats));
        registry.accept("shippingBatch", new ShippingBatch(maxBytes, group, stats));
        registry.accept("customerBatch", new CustomerBatch(maxBytes, group, stats));
        registry.accept("orderBatch", new OrderBatch(maxBytes, group, stats));
        registry.accept("customerDimension", new CustomerDimension());
        registry.accept("customerKeys", new CustomerKeysStrategy());
        CustomerCache cache = new CustomerCache(config.getInt(Keys.CACHE_MAX_SIZE, 100_000),
                Duration.ofSeconds(config.getInt(Keys.CACHE_EXPIRE_SECONDS, 3600)));
        registry.accept("customers", cache.cache());
        registerMBean(cache);
        return stats;
    }

    private static void registerMBean(CustomerCache cache) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(CACHE_MBEAN);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(cache, name);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot register " + CACHE_MBEAN, e);
        }
    }
}
