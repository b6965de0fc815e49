package io.tidewater;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tidewater.capture.CaptureRoutes;
import io.tidewater.capture.ChangePublisher;
import io.tidewater.config.CaptureBlocks;
import io.tidewater.config.ConfigException;
import io.tidewater.config.ConfigRules;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.embedded.FreePorts;
import io.tidewater.flow.FlowException;
import io.tidewater.flow.FlowRoutes;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.Flows;
import io.tidewater.flow.Placeholders;
import io.tidewater.flow.RoutesWatcher;
import io.tidewater.ops.HawtioServer;
import io.tidewater.ops.KafkaHealthCheck;
import io.tidewater.ops.ManagementSecurity;
import io.tidewater.ops.OpsHost;
import org.apache.camel.main.Main;
import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Starts Tidewater: the infrastructure (embedded or external), then Camel main with the YAML routes from ./routes. */
public final class Application {

    private static final Logger LOG = LoggerFactory.getLogger(Application.class);
    static final int EXIT_CONFIG = 2;
    private static final Path ROUTES = Path.of("routes");

    private Application() {
    }

    public static void main(String[] args) {
        // java.util.logging (the embedded Tomcat's) into the same log: console for people, data/tidewater.log for all.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        int rc = run(args);
        LogManager.shutdown();
        System.exit(rc);
    }

    static int run(String[] args) {
        return Cli.execute(args);
    }

    /** {@code tidewater run}: the pipeline, until SIGTERM. */
    static int runPipeline() {
        long started = System.nanoTime();
        TidewaterConfig config;
        List<FlowSpec> declared;
        UnaryOperator<String> placeholders;
        WatchService watched;
        Infrastructure infra;
        try {
            config = TidewaterConfig.load(Path.of("application.properties"), System.getenv());
            ConfigRules.require(config);
            // Resolved once (it may look up the host name), for the routes' client ids and the replay service alike.
            config = config.with(Map.of(Keys.LOAD_INSTANCE_ID.key(), LoadBeans.instanceId(config)));
            requireOpsPorts(config);
            // Watched from before they are read, so that no save is missed; then read once: the infrastructure makes
            // their topics, and the load runs their flows.
            watched = watchRoutes(config);
            placeholders = Placeholders.of(config);
            declared = Flows.read(ROUTES, placeholders);
            infra = Infrastructure.start(config, declared.stream().flatMap(f -> f.topics().stream()).toList());
        } catch (Exception e) {
            return failed(e, "Cannot start");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Main main = new Main();
        int shutdownSeconds = config.get(Keys.SHUTDOWN_TIMEOUT);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(main, infra, stopped, shutdownSeconds), "tidewater-shutdown"));
        try (infra; KafkaHealthCheck kafkaHealth = new KafkaHealthCheck(infra.bootstrapServers())) {
            configure(main, config, infra, declared, placeholders, watched, kafkaHealth, started);
            main.run();
            return 0;
        } catch (Exception e) {
            return failed(e, "Tidewater stopped on an error");
        } finally {
            LOG.info("Tidewater stopped");
            stopped.countDown();
        }
    }

    /**
     * The exit code of a start that failed, said on the console: a bad configuration or a declaration that cannot run
     * is its message alone (its key, or its file, line and reason, say all there is to fix); anything else its trace.
     */
    private static int failed(Exception e, String what) {
        if (e instanceof ConfigException || e instanceof FlowException) {
            LOG.error("Cannot start: {}", e.getMessage());
            return e instanceof ConfigException ? EXIT_CONFIG : 1;
        }
        LOG.error("{}: {}", what, e.toString(), e);
        return 1;
    }

    /**
     * SIGTERM: Camel stops gracefully within its shutdown timeout. A batch still held up near the end of it (a thread
     * blocked in a warehouse call, waiting for a lock, say) has its warehouse connection aborted, so Camel can finish;
     * its records are read again at the next start. Should Camel still not have stopped, the embedded Kafka and
     * PostgreSQL are stopped from here, because the JVM exits once this hook returns and must not leave them running.
     */
    private static void stop(Main main, Infrastructure infra, CountDownLatch stopped, int shutdownSeconds) {
        main.completed();
        try {
            int graceSeconds = Math.max(1, shutdownSeconds - 8);
            if (stopped.await(graceSeconds, TimeUnit.SECONDS)) {
                return;
            }
            LOG.warn("Still stopping after {} s: aborting the warehouse calls in flight", graceSeconds);
            infra.closeWarehouse();
            if (!stopped.await(3, TimeUnit.SECONDS)) {
                LOG.warn("Camel did not stop; stopping the embedded services now");
                infra.close();
                stopped.await(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Camel main, step by step: properties, security, which routes run, the load, the capture, then the lifecycle. */
    private static void configure(Main main, TidewaterConfig config, Infrastructure infra, List<FlowSpec> declared,
                                  UnaryOperator<String> placeholders, WatchService watched, KafkaHealthCheck kafkaHealth,
                                  long started) {
        properties(main, config, infra);
        // Headers in a plain map: every record of a polled batch is an exchange, and a case-insensitive map compares
        // each header name character by character. The routes name headers exactly.
        main.configure().setCaseInsensitiveHeaders(false);
        ManagementSecurity.bind(main::bind, config, infra.embedded());
        excludeRoutes(main, config, declared);
        // Bound under the name camel-micrometer-prometheus looks for, so our meters and Camel's share /observe/metrics.
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        main.bind("metricsRegistry", meters);
        Flows flows = LoadBeans.bind(main::bind, infra.edw(), config, meters, infra.bootstrapServers(), declared, placeholders);
        main.configure().addRoutesBuilder(new FlowRoutes(flows::declared));
        holdWaiting(main, flows);
        List<String> captured = capture(main, config, infra);
        ChangePublisher publisher = new ChangePublisher(infra.bootstrapServers(), 3, config.get(Keys.CAPTURE_SCHEMAS));
        main.bind("changePublisher", publisher);
        main.addMainListener(new PipelineLifecycle(config, infra, kafkaHealth, publisher,
                captured.stream().map(CaptureRoutes::routeId).toList(), demoEnabled(config, infra), started, watched));
    }

    /** routes/, watched for live changes of flow files; null where they are not reloaded (or cannot be watched). */
    private static WatchService watchRoutes(TidewaterConfig config) {
        if (!config.get(Keys.ROUTES_RELOAD) || !config.get(Keys.LOAD_ENABLED)) {
            return null;
        }
        try {
            return RoutesWatcher.watch(ROUTES);
        } catch (java.io.IOException e) {
            LOG.error("Routes are not reloaded live: cannot watch routes/: {}", e.getMessage());
            return null;
        }
    }

    /** application.properties for Camel, with what the environment and the infrastructure resolved. */
    private static void properties(Main main, TidewaterConfig config, Infrastructure infra) {
        main.setPropertyPlaceholderLocations("file:application.properties;optional=true");
        // Each key as Tidewater read it: a key the file leaves out or empty takes its default, declared once in Keys.
        Keys.values(config).forEach(main::addOverrideProperty);
        // Camel reads camel.* from the file itself: the environment's overrides are handed over here.
        config.environmentOverrides("camel.").forEach(main::addOverrideProperty);
        main.addOverrideProperty("camel.management.host", OpsHost.bind(config, infra.embedded()));
        main.addOverrideProperty(Keys.LOAD_INSTANCE_ID.key(), config.get(Keys.LOAD_INSTANCE_ID));
        infra.resolvedProperties().forEach(main::addOverrideProperty);
    }

    /** The routes this instance leaves out: capture where another instance captures, the load where another loads. */
    private static void excludeRoutes(Main main, TidewaterConfig config, List<FlowSpec> declared) {
        List<String> excluded = new ArrayList<>();
        if (!config.get(Keys.CAPTURE_ENABLED)) {
            // Another instance runs capture (a replication slot has one reader): leave the capture routes out.
            excluded.add("capture-*");
        }
        if (!config.get(Keys.LOAD_ENABLED)) {
            if (!excluded.isEmpty()) {
                throw new ConfigException(Keys.LOAD_ENABLED.key(), "is false while " + Keys.CAPTURE_ENABLED + " is false too: nothing would run",
                        "enable capture, load, or both");
            }
            // A capture-only instance: the load instances, scaled out elsewhere, load what it captures.
            excluded.addAll(List.of("events-*", "cdc-*", "apply-*", "flow-*", "load-*", "replay-*"));
            // and the routes of every declared flow, whatever its name
            for (FlowSpec f : declared) {
                excluded.add(f.route());
                excluded.add(f.applyRoute());
            }
        }
        if (!excluded.isEmpty()) {
            main.addOverrideProperty("camel.main.routeFilterExcludePattern", String.join(",", excluded));
        }
    }

    /** A flow waiting for one not declared yet has its routes made, but started only with what it waits for. */
    private static void holdWaiting(Main main, Flows flows) {
        List<String> waiting = flows.waiting().values().stream().flatMap(w -> Stream.of(w.flow().route(), w.flow().applyRoute())).toList();
        if (!waiting.isEmpty()) {
            main.addOverrideProperty("camel.main.autoStartupExcludePattern", String.join(",", waiting));
        }
    }

    /** One capture route for each tidewater.capture.&lt;db&gt;.* block (none where capture is off); the databases. */
    private static List<String> capture(Main main, TidewaterConfig config, Infrastructure infra) {
        List<String> captured = config.get(Keys.CAPTURE_ENABLED) ? CaptureBlocks.databases(config.keys()) : List.of();
        CaptureBlocks.defaults(config, infra.embedded()).forEach(main::addOverrideProperty);
        main.configure().addRoutesBuilder(new CaptureRoutes(captured));
        return captured;
    }

    /** The management server and Hawtio must be able to listen: checked before anything starts, naming the key. */
    private static void requireOpsPorts(TidewaterConfig config) {
        boolean embedded = Infrastructure.embedded(config);
        String host = OpsHost.bind(config, embedded);
        FreePorts.requireFree(host, config.get(Keys.MANAGEMENT_PORT), Keys.MANAGEMENT_PORT.key());
        if (embedded && config.get(Keys.HAWTIO_ENABLED)) {
            FreePorts.requireFree(host, config.get(Keys.HAWTIO_PORT), Keys.HAWTIO_PORT.key());
        }
    }

    /** {@code tidewater hawtio}: Hawtio alone, connected to a running Tidewater's Jolokia, behind the operator login. */
    static int hawtio() {
        CountDownLatch stop = new CountDownLatch(1);
        try {
            TidewaterConfig config = TidewaterConfig.load(Path.of("application.properties"), System.getenv());
            ManagementSecurity.Credentials credentials = ManagementSecurity.credentials(config);
            // Tomcat's base (the web application unpacked, its work files): one directory, reused by every start.
            Path base = Path.of(config.get(Keys.DATA_DIR), "hawtio-standalone");
            FreePorts.requireFree(OpsHost.bind(config, false), config.get(Keys.HAWTIO_PORT), Keys.HAWTIO_PORT.key());
            try (HawtioServer server = HawtioServer.start(OpsHost.bind(config, false), config.get(Keys.HAWTIO_PORT), hawtioWar(), base,
                    jolokiaUrl(config), credentials)) {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "hawtio-shutdown"));
                stop.await();
            }
            return 0;
        } catch (ConfigException e) {
            LOG.error("Cannot start Hawtio: {}", e.getMessage());
            return EXIT_CONFIG;
        } catch (Exception e) {
            LOG.error("Cannot start Hawtio: {}", e.toString(), e);
            return 1;
        }
    }

    /** Next to the jar (target/hawtio/hawtio.war), where the build copies it. */
    static Path hawtioWar() throws Exception {
        Path code = Path.of(Application.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return code.getParent().resolve("hawtio").resolve("hawtio.war");
    }

    static URI jolokiaUrl(TidewaterConfig config) {
        String url = config.get(Keys.HAWTIO_JOLOKIA_URL);
        if (url.isBlank()) {
            url = OpsHost.localJolokiaUrl(config, Infrastructure.embedded(config));
        }
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null || uri.getScheme() == null) {
                throw new URISyntaxException(url, "needs a scheme and a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException(Keys.HAWTIO_JOLOKIA_URL.key(), "is not a URL: " + e.getMessage(),
                    "set the Jolokia URL of the Tidewater to manage, e.g. http://tidewater:8081/observe/jolokia");
        }
    }

    /**
     * Whether demo traffic runs: it needs the OLTP databases (its rate and customers are checked with every key, see
     * ConfigRules).
     */
    private static boolean demoEnabled(TidewaterConfig config, Infrastructure infra) {
        if (!config.get(Keys.DEMO_ENABLED)) {
            return false;
        }
        if (infra.crm() == null) {
            throw new ConfigException(Keys.CRM_JDBC_URL.key(), "is empty but demo traffic is on",
                    "set " + Keys.CRM_JDBC_URL + " and " + Keys.SALES_JDBC_URL + ", or " + Keys.DEMO_ENABLED + "=false");
        }
        if (infra.sales() == null) {
            throw new ConfigException(Keys.SALES_JDBC_URL.key(), "is empty but demo traffic is on",
                    "set " + Keys.SALES_JDBC_URL + ", or " + Keys.DEMO_ENABLED + "=false");
        }
        return true;
    }
}
