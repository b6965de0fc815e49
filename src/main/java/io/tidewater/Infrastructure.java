package io.tidewater;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.tidewater.config.CaptureBlocks;
import io.tidewater.config.ConfigException;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.embedded.EmbeddedDatabase;
import io.tidewater.embedded.EmbeddedKafka;
import io.tidewater.kafka.KafkaClients;
import io.tidewater.warehouse.DataSources;
import io.tidewater.warehouse.Migrations;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the pipeline runs on: Kafka plus the warehouse and OLTP connections, either embedded (the default) or external. */
public final class Infrastructure implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Infrastructure.class);
    static final String EDW_DATABASE = "warehouse";

    private final boolean embedded;
    private EmbeddedKafka kafka;
    private EmbeddedDatabase postgres;
    private String bootstrapServers;
    private String edwJdbcUrl;
    private String edwSchema;
    private HikariDataSource edw;
    private HikariDataSource crm;
    private HikariDataSource sales;

    private Infrastructure(boolean embedded) {
        this.embedded = embedded;
    }

    /** Embedded mode: neither external Kafka nor an external warehouse is configured. */
    public static boolean embedded(TidewaterConfig cfg) {
        return cfg.get(Keys.KAFKA_BOOTSTRAP) == null && cfg.get(Keys.EDW_JDBC_URL) == null;
    }

    /** Starts (embedded) or connects to (external) Kafka and the warehouse; loadTopics: the flows' topics, made if missing. */
    public static Infrastructure start(TidewaterConfig cfg, List<String> loadTopics) throws Exception {
        String bootstrap = cfg.get(Keys.KAFKA_BOOTSTRAP);
        String jdbc = cfg.get(Keys.EDW_JDBC_URL);
        if (bootstrap == null && jdbc == null) {
            return startEmbedded(cfg, loadTopics);
        }
        if (bootstrap == null) {
            throw new ConfigException(Keys.KAFKA_BOOTSTRAP.key(), "is empty while " + Keys.EDW_JDBC_URL + " is set (external mode)",
                    "set both for external mode, or neither for embedded mode");
        }
        if (jdbc == null) {
            throw new ConfigException(Keys.EDW_JDBC_URL.key(), "is empty while " + Keys.KAFKA_BOOTSTRAP + " is set (external mode)",
                    "set both for external mode, or neither for embedded mode");
        }
        return startExternal(cfg, bootstrap, jdbc, loadTopics);
    }

    private static Infrastructure startEmbedded(TidewaterConfig cfg, List<String> loadTopics) throws Exception {
        Infrastructure infra = new Infrastructure(true);
        try {
            Path data = Path.of(cfg.get(Keys.DATA_DIR));
            infra.postgres = new EmbeddedDatabase(data.resolve("postgres"), cfg.get(Keys.EMBEDDED_POSTGRES_PORT)).start();
            infra.kafka = new EmbeddedKafka(data.resolve("kafka"), cfg.get(Keys.EMBEDDED_KAFKA_PORT),
                    cfg.get(Keys.EMBEDDED_KAFKA_CONTROLLER_PORT), cfg.get(Keys.EMBEDDED_KAFKA_PARTITIONS)).start();
            infra.bootstrapServers = infra.kafka.bootstrapServers();
            createTopics(infra.bootstrapServers, cfg.get(Keys.EMBEDDED_KAFKA_PARTITIONS),
                    loadTopics.toArray(new String[0]));
            for (String db : new String[] {EDW_DATABASE, "crm", "sales"}) {
                infra.postgres.ensureDatabase(db);
            }
            String user = EmbeddedDatabase.USER;
            infra.edwSchema = cfg.get(Keys.EDW_SCHEMA);
            infra.edwJdbcUrl = infra.postgres.jdbcUrl(EDW_DATABASE);
            infra.edw = DataSources.pooled("edw", infra.edwJdbcUrl, user, null, infra.edwSchema, cfg.get(Keys.EDW_POOL_SIZE));
            infra.crm = DataSources.pooled("crm", infra.postgres.jdbcUrl("crm"), user, null, null, 4);
            infra.sales = DataSources.pooled("sales", infra.postgres.jdbcUrl("sales"), user, null, null, 4);
            Migrations.warehouse(infra.edw, infra.edwSchema);
            Migrations.oltp(infra.crm, "crm");
            Migrations.oltp(infra.sales, "sales");
            return infra;
        } catch (Exception | Error e) {
            infra.close();
            throw e;
        }
    }

    private static Infrastructure startExternal(TidewaterConfig cfg, String bootstrap, String jdbc, List<String> loadTopics) {
        Infrastructure infra = new Infrastructure(false);
        try {
            int timeoutMs = cfg.get(Keys.STARTUP_TIMEOUT_MS);
            checkKafka(bootstrap, timeoutMs);
            infra.bootstrapServers = bootstrap;
            if (cfg.get(Keys.LOAD_ENABLED)) {
                createDeadLetterTopics(bootstrap, loadTopics);
            }
            infra.edwSchema = cfg.get(Keys.EDW_SCHEMA);
            infra.edwJdbcUrl = jdbc;
            infra.edw = connect(Keys.EDW_JDBC_URL.key(), "edw", jdbc, cfg.get(Keys.EDW_USERNAME), cfg.get(Keys.EDW_PASSWORD),
                    infra.edwSchema, cfg.get(Keys.EDW_POOL_SIZE));
            Migrations.warehouse(infra.edw, infra.edwSchema);
            String crmUrl = cfg.get(Keys.CRM_JDBC_URL);
            String salesUrl = cfg.get(Keys.SALES_JDBC_URL);
            boolean demo = cfg.get(Keys.DEMO_ENABLED);
            if (crmUrl != null) {
                infra.crm = connect(Keys.CRM_JDBC_URL.key(), "crm", crmUrl, cfg.get(Keys.OLTP_USERNAME), cfg.get(Keys.OLTP_PASSWORD), null, 4);
                if (demo) {
                    Migrations.oltp(infra.crm, "crm");
                }
            }
            if (salesUrl != null) {
                infra.sales = connect(Keys.SALES_JDBC_URL.key(), "sales", salesUrl, cfg.get(Keys.OLTP_USERNAME), cfg.get(Keys.OLTP_PASSWORD), null, 4);
                if (demo) {
                    Migrations.oltp(infra.sales, "sales");
                }
            }
            return infra;
        } catch (RuntimeException e) {
            infra.close();
            throw e;
        }
    }

    /** External mode: each flow's dead-letter topic, with the cluster's default partitions and replication. */
    private static void createDeadLetterTopics(String bootstrap, List<String> inputs) {
        try (Admin admin = new KafkaClients(bootstrap).admin()) {
            io.tidewater.ops.Topics.ensureWithBrokerDefaults(admin, inputs.stream().map(t -> t + ".dlq").toList());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create the dead-letter topics " + inputs.stream().map(t -> t + ".dlq").toList()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Creates the input topics and their dead-letter topics up front, so that producers and consumers find them. */
    private static void createTopics(String bootstrap, int partitions, String... inputs) throws Exception {
        List<String> names = new ArrayList<>();
        for (String topic : inputs) {
            names.add(topic);
            names.add(topic + ".dlq");
        }
        try (Admin admin = new KafkaClients(bootstrap).admin()) {
            io.tidewater.ops.Topics.ensure(admin, names, partitions, (short) 1);
        }
    }

    /** Fails fast, naming the key, when the configured brokers cannot be reached. */
    static void checkKafka(String bootstrap, int timeoutMs) {
        try (Admin admin = new KafkaClients(bootstrap).admin(null, timeoutMs)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).clusterId().get(timeoutMs + 1000L, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new ConfigException(Keys.KAFKA_BOOTSTRAP.key(), "cannot reach Kafka at '" + bootstrap + "' within " + timeoutMs + " ms ("
                    + rootMessage(e) + ")", "point it at reachable brokers as host:port[,host:port]");
        }
    }

    /** Opens a pool and proves one connection works, failing fast and naming the key otherwise. */
    static HikariDataSource connect(String key, String name, String url, String user, String password, String schema, int size) {
        HikariDataSource ds;
        try {
            ds = DataSources.pooled(name, url, user, password, schema, size);
        } catch (RuntimeException e) {
            throw new ConfigException(key, "'" + url + "' is not usable (" + rootMessage(e) + ")",
                    "use a URL such as jdbc:postgresql://host:5432/database");
        }
        try (Connection c = ds.getConnection()) {
            return ds;
        } catch (SQLException | RuntimeException e) {
            ds.close();
            throw new ConfigException(key, "cannot connect to '" + url + "' (" + rootMessage(e) + ")",
                    "check the host, port, database and credentials");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** True when Kafka and PostgreSQL run inside this process (local use; the management port is left open). */
    public boolean embedded() {
        return embedded;
    }

    /** Values resolved at start (ports, URLs) that routes read as {{placeholders}}. */
    public Map<String, String> resolvedProperties() {
        Map<String, String> m = new HashMap<>();
        m.put(Keys.KAFKA_BOOTSTRAP.key(), bootstrapServers);
        m.put(Keys.EDW_SCHEMA.key(), edwSchema);
        if (embedded) {
            m.put(Keys.EMBEDDED_POSTGRES_PORT.key(), String.valueOf(postgres.port()));
        }
        return m;
    }

    /** The console's banner: how to connect to what runs, the captured tables as configured. */
    public void printConnectHelp(int managementPort, io.tidewater.config.TidewaterConfig config) {
        if (!embedded) {
            LOG.info("External mode: Kafka {} and the EDW at {}; health at http://localhost:{}/observe/health; full log in data/tidewater.log",
                    bootstrapServers, edwJdbcUrl, managementPort);
            return;
        }
        List<String> lines = new ArrayList<>(List.of("",
                "  Tidewater is running on embedded Kafka and PostgreSQL. Connect with:",
                "    psql -h localhost -p " + postgres.port() + " -U postgres -d " + EDW_DATABASE
                        + " -c 'SELECT count(*) FROM " + edwSchema + ".fact_call'"));
        // Each captured database the embedded PostgreSQL holds: one line per tidewater.capture.<db>.* block.
        Map<String, String> defaults = CaptureBlocks.defaults(config, true);
        for (String db : CaptureBlocks.databases(config.keys())) {
            String key = "tidewater.capture." + db + ".";
            if (config.get(key + "hostname", "localhost").equals("localhost")) {
                lines.add(String.format("    psql -h localhost -p %d -U postgres -d %-8s (OLTP, captured: %s)", postgres.port(),
                        config.get(key + "dbname", defaults.get(key + "dbname")), config.get(key + "tables", "")));
            }
        }
        String banner = String.join(System.lineSeparator(), lines) + System.lineSeparator() + String.join(System.lineSeparator(),
                "    kcat -b " + bootstrapServers + " -L",
                "    kcat -b " + bootstrapServers + " -C -t events.callcenter.calls -o -5 -c 5 -e",
                "    curl localhost:" + managementPort + "/observe/health",
                "  The full log (Camel, Debezium, Kafka) is in data/tidewater.log; this console shows Tidewater's own lines and warnings.",
                "");
        LOG.info(banner);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public DataSource edw() {
        return edw;
    }

    public DataSource crm() {
        return crm;
    }

    public DataSource sales() {
        return sales;
    }

    /** Closes the connection pools, aborting the calls in flight. */
    public synchronized void closeWarehouse() {
        for (HikariDataSource ds : new HikariDataSource[] {edw, crm, sales}) {
            if (ds != null) {
                ds.close();
            }
        }
    }

    /** Closes the pools (aborting calls in flight), then the embedded broker and database; safe to call again. */
    @Override
    public synchronized void close() {
        closeWarehouse();
        try {
            if (kafka != null) {
                kafka.close();
                kafka = null;
            }
        } finally {
            try {
                if (postgres != null) {
                    postgres.close();
                    postgres = null;
                }
            } catch (Exception e) {
                LOG.warn("Stopping embedded PostgreSQL: {}", e.getMessage());
            }
        }
    }
}
