package io.tidewater.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidewater.LoadBeans;
import io.tidewater.capture.CaptureRoutes;
import io.tidewater.capture.ChangePublisher;
import io.tidewater.config.CaptureBlocks;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.flow.FlowRoutes;
import io.tidewater.flow.Flows;
import io.tidewater.replay.ReplayService;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.spi.Registry;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the real load routes (every routes/*.camel.yaml except the status line) against the shared broker and database,
 * with this test's own topics, consumer group and warehouse schema.
 */
@ExtendWith(SharedInfrastructure.class)
public abstract class LoadRouteTestSupport extends CamelTestSupport {

    // Set in configureContext, which CamelTestSupport calls from its constructor: no field initializers here.
    protected String calls;
    protected String shipping;
    protected String customers;
    protected String orders;
    protected String group;
    protected Warehouse warehouse;
    private Map<String, String> settings;
    /** The meters the load beans record into. */
    protected MeterRegistry meters;
    /** With capture: the topic prefix and replication slot prefix of this test's capture routes. */
    protected String capturePrefix;
    protected String slot;
    private ChangePublisher publisher;

    /** True to run the capture routes too (Debezium on the shared crm and sales databases, with this test's slots). */
    protected boolean withCapture() {
        return false;
    }

    /** With capture: changes carry their Kafka Connect schema (tidewater.capture.schemas). */
    protected boolean captureSchemas() {
        return false;
    }

    /** The directory the route and flow files are read from. */
    protected Path routesDir() {
        return Path.of("routes");
    }

    /** Extra settings for a test class, e.g. a smaller batch. */
    protected Map<String, String> settings() {
        return Map.of();
    }

    /** The warehouse connection the routes use; a test may interpose something (e.g. an outage proxy). */
    protected javax.sql.DataSource routeDataSource() {
        return warehouse.dataSource();
    }

    @Override
    public void configureContext(CamelContextConfiguration config) {
        super.configureContext(config);
        calls = TestNames.topic("calls");
        shipping = TestNames.topic("shipping");
        customers = TestNames.topic("customers");
        orders = TestNames.topic("orders");
        group = TestNames.group("load");
        warehouse = Warehouse.create(TestNames.schema("load"));
        settings = new HashMap<>();
        // The shipped application.properties is the base, so tests run with the same defaults as the application.
        Properties shipped = new Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            shipped.load(in);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        shipped.stringPropertyNames().stream().filter(k -> k.startsWith("tidewater.") && !shipped.getProperty(k).isBlank())
                .forEach(k -> settings.put(k, shipped.getProperty(k)));
        settings.put("tidewater.kafka.bootstrap-servers", SharedInfrastructure.get().bootstrapServers());
        settings.put("tidewater.topics.calls", calls);
        settings.put("tidewater.topics.shipping", shipping);
        settings.put("tidewater.topics.customers", customers);
        settings.put("tidewater.topics.orders", orders);
        settings.put("tidewater.load.group-id", group);
        settings.put("tidewater.load.instance-id", "test");
        settings.put("tidewater.load.batch-size", "200");
        settings.put("tidewater.load.batch-interval-ms", "100");
        settings.put("tidewater.load.poll-timeout-ms", "100");
        settings.put("tidewater.load.max-event-bytes", "4096");
        if (withCapture()) {
            captureSettings();
        }
        settings.putAll(settings());
        if (withCapture()) {
            CaptureBlocks.defaults(TidewaterConfig.of(settings), false).forEach(settings::putIfAbsent);
        }
        try {
            Topics.ensure(calls, shipping, customers, orders, calls + ".dlq", shipping + ".dlq", customers + ".dlq", orders + ".dlq");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Properties p = new Properties();
        p.putAll(settings);
        config.withUseOverridePropertiesWithPropertiesComponent(p);
    }

    /** Debezium into <prefix>.crm.public.customers and <prefix>.sales.public.orders, which the load routes read. */
    private void captureSettings() {
        CaptureFixture.migrateOltp();
        capturePrefix = TestNames.topic("cdc");
        slot = TestNames.schema("slot");
        customers = capturePrefix + ".crm.public.customers";
        orders = capturePrefix + ".sales.public.orders";
        settings.putAll(CaptureFixture.settings(capturePrefix, slot));
        settings.put("tidewater.topics.customers", customers);
        settings.put("tidewater.topics.orders", orders);
    }

    /** As the application wires capture: a table added to an include list is backfilled, capture's own tables made. */
    @Override
    protected org.apache.camel.CamelContext createCamelContext() throws Exception {
        org.apache.camel.CamelContext camel = super.createCamelContext();
        // As the application runs Camel (Application.configure): headers named exactly.
        camel.setCaseInsensitiveHeaders(false);
        if (withCapture()) {
            camel.addLifecycleStrategy(new io.tidewater.capture.AddedTableBackfill());
        }
        return camel;
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        if (withCapture()) {
            publisher = new ChangePublisher(SharedInfrastructure.get().bootstrapServers(), 3, captureSchemas());
            registry.bind("changePublisher", publisher);
        }
        meters = new SimpleMeterRegistry();
        LoadBeans.bind(registry::bind, routeDataSource(), TidewaterConfig.of(settings), meters,
                SharedInfrastructure.get().bootstrapServers(), routesDir());
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(routesDir())) {
            files = s.filter(f -> f.toString().endsWith(".camel.yaml") && !f.getFileName().toString().startsWith("ops-")
                    && (withCapture() || !f.getFileName().toString().startsWith("capture-"))).sorted().toList();
        }
        Resource[] resources = new Resource[files.size()];
        for (int i = 0; i < files.size(); i++) {
            resources[i] = ResourceHelper.resolveResource(context, "file:" + files.get(i));
        }
        List<RoutesBuilder> builders = new java.util.ArrayList<>(PluginHelper.getRoutesLoader(context).findRoutesBuilders(resources));
        // The flows' own routes, from the templates just loaded, and with capture, one capture route per database.
        builders.add(new FlowRoutes(context.getRegistry().findSingleByType(Flows.class)::declared));
        if (withCapture()) {
            builders.add(new CaptureRoutes(CaptureBlocks.databases(settings.keySet())));
        }
        return builders.toArray(new RoutesBuilder[0]);
    }

    /** The replay service of this test's routes. */
    protected ReplayService replay() {
        ReplayService replay = context.getRegistry().findSingleByType(ReplayService.class);
        replay.setCamelContext(context);
        return replay;
    }

    @AfterEach
    void closeWarehouse() throws Exception {
        context.getRegistry().findByType(ReplayService.class).forEach(ReplayService::close);
        if (withCapture()) {
            context.stop();
            publisher.close();
            CaptureFixture.dropSlots(slot);
        }
        warehouse.close();
    }
}
