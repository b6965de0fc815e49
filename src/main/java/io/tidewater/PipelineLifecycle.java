package io.tidewater;

import java.nio.file.Path;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.tidewater.capture.AddedTableBackfill;
import io.tidewater.capture.CaptureHealthCheck;
import io.tidewater.capture.ChangePublisher;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.demo.DemoTraffic;
import io.tidewater.flow.Flows;
import io.tidewater.flow.RoutesWatcher;
import io.tidewater.ops.FlowHealthChecks;
import io.tidewater.ops.HawtioLauncher;
import io.tidewater.ops.HawtioServer;
import io.tidewater.ops.KafkaHealthCheck;
import io.tidewater.ops.OpsHost;
import io.tidewater.ops.PipelineMonitor;
import io.tidewater.ops.PipelineStats;
import io.tidewater.ops.WarehouseHealthCheck;
import io.tidewater.replay.ReplayService;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Tidewater does around Camel's start and stop, step by step: once the routes are configured, the replay service
 * and the health checks; once started, the connection help, the routes watcher, the demo traffic and Hawtio; when
 * stopping, the demo and Hawtio first, then the Kafka clients, before the broker goes.
 */
final class PipelineLifecycle extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineLifecycle.class);

    private final TidewaterConfig config;
    private final Infrastructure infra;
    private final KafkaHealthCheck kafkaHealth;
    private final ChangePublisher publisher;
    private final List<String> captureRoutes;
    private final boolean demoOn;
    private final long started;
    /** The routes directory, watched since before the flow files were read; null when flow files are not reloaded. */
    private final WatchService watched;
    private final HawtioLauncher hawtio;
    /** Closed with Camel, before the broker goes. */
    private final List<AutoCloseable> clients = new ArrayList<>();
    private DemoTraffic demo;

    PipelineLifecycle(TidewaterConfig config, Infrastructure infra, KafkaHealthCheck kafkaHealth, ChangePublisher publisher,
                      List<String> captureRoutes, boolean demoOn, long started, WatchService watched) {
        this.config = config;
        this.infra = infra;
        this.kafkaHealth = kafkaHealth;
        this.publisher = publisher;
        this.captureRoutes = captureRoutes;
        this.demoOn = demoOn;
        this.started = started;
        this.watched = watched;
        this.hawtio = new HawtioLauncher(() -> HawtioServer.start(OpsHost.bind(config, true),
                config.get(Keys.HAWTIO_PORT), Application.hawtioWar(), Path.of(config.get(Keys.DATA_DIR), "hawtio"),
                Application.jolokiaUrl(config), null));
    }

    @Override
    public void afterConfigure(BaseMainSupport main) {
        CamelContext ctx = main.getCamelContext();
        wireReplays(ctx);
        registerHealthChecks(ctx);
    }

    @Override
    public void afterStart(BaseMainSupport main) {
        infra.printConnectHelp(config.get(Keys.MANAGEMENT_PORT), config);
        watchRoutes(main.getCamelContext());
        LOG.info("Tidewater started in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        startDemo();
        if (infra.embedded() && config.get(Keys.HAWTIO_ENABLED)) {
            hawtio.launch();
        }
    }

    @Override
    public void beforeStop(BaseMainSupport main) {
        if (demo != null) {
            demo.close();
        }
        hawtio.close();
    }

    @Override
    public void afterStop(BaseMainSupport main) {
        publisher.close();
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("Closing {}: {}", c, e.toString());
            }
        }
    }

    /** The replay services reach the routes; their Kafka admin clients, and the lag monitor's, close with Camel. */
    private void wireReplays(CamelContext ctx) {
        var replays = ctx.getRegistry().findByType(ReplayService.class);
        replays.forEach(r -> r.setCamelContext(ctx));
        clients.addAll(replays);
        clients.addAll(ctx.getRegistry().findByType(PipelineMonitor.class));
    }

    /** Kafka, the warehouse, each capture route (tables in its publication) and each flow. */
    private void registerHealthChecks(CamelContext ctx) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(ctx);
        registry.register(kafkaHealth);
        registry.register(new WarehouseHealthCheck(infra.edw()));
        if (config.get(Keys.CAPTURE_ENABLED)) {
            // A table added to a capture's include list enters its publication with a backfill, before the engine starts.
            ctx.addLifecycleStrategy(new AddedTableBackfill());
            registry.register(new CaptureHealthCheck(ctx, publisher, captureRoutes));
        }
        if (config.get(Keys.LOAD_ENABLED)) {
            PipelineMonitor monitor = ctx.getRegistry().findSingleByType(PipelineMonitor.class);
            registry.register(new FlowHealthChecks(ctx, ctx.getRegistry().findSingleByType(Flows.class),
                    ctx.getRegistry().findSingleByType(PipelineStats.class), monitor::getLagByTopic));
        }
    }

    /** Flow files saved, edited or deleted while running (since they were read at start) start, reload or stop their flows. */
    private void watchRoutes(CamelContext ctx) {
        if (watched != null) {
            clients.add(new RoutesWatcher(ctx, ctx.getRegistry().findSingleByType(Flows.class), Path.of("routes"), watched).start());
        }
    }

    private void startDemo() {
        if (!demoOn) {
            return;
        }
        try {
            demo = new DemoTraffic(infra.crm(), infra.sales(), infra.bootstrapServers(),
                    config.get(Keys.TOPIC_CALLS), config.get(Keys.TOPIC_SHIPPING),
                    config.get(Keys.DEMO_RATE), config.get(Keys.DEMO_CUSTOMERS));
            demo.start();
        } catch (Exception e) {
            LOG.error("Demo traffic could not start: {}", e.getMessage());
        }
    }
}
