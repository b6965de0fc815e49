package io.tidewater.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.tidewater.capture.ChangePublisher;
import io.tidewater.embedded.EmbeddedDatabase;
import io.tidewater.embedded.EmbeddedKafka;
import io.tidewater.warehouse.DataSources;
import io.tidewater.warehouse.Migrations;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/** Measures the capture route's change events/s (one big UPDATE) and the naive one-ack-per-record baseline, in one run. */
public final class CaptureBench {

    private static final String TOPIC = "cdc.crm.public.customers";

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path dir = Files.createTempDirectory("tidewater-bench-");
        try (EmbeddedDatabase db = new EmbeddedDatabase(dir.resolve("pg"), 0).start();
             EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0, 0, 3).start()) {
            db.ensureDatabase("crm");
            try (var ds = DataSources.pooled("bench", db.jdbcUrl("crm"), "postgres", null, null, 3)) {
                Migrations.oltp(ds, "crm");
            }
            sql(db, "INSERT INTO customers (id, name, email, segment, region) SELECT g, 'Customer ' || g, 'c' || g || '@example.com', "
                    + "'smb', 'emea' FROM generate_series(1, " + rows + ") g");
            double naive = naiveBaseline(kafka.bootstrapServers(), 3000);

            CamelContext camel = new DefaultCamelContext();
            Properties p = new Properties();
            p.put("tidewater.kafka.bootstrap-servers", kafka.bootstrapServers());
            Files.readAllLines(Path.of("application.properties")).stream().filter(l -> l.startsWith("tidewater.capture."))
                    .forEach(l -> p.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
            p.put("tidewater.capture.crm.port", String.valueOf(db.port()));
            p.put("tidewater.capture.sales.port", String.valueOf(db.port()));
            camel.getPropertiesComponent().setOverrideProperties(p);
            ChangePublisher publisher = new ChangePublisher(kafka.bootstrapServers());
            camel.getRegistry().bind("changePublisher", publisher);
            PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.resolveResource(camel, "file:routes/capture-errors.camel.yaml"),
                    ResourceHelper.resolveResource(camel, "file:routes/capture.camel.yaml"));
            io.tidewater.capture.CaptureRoutes routes = new io.tidewater.capture.CaptureRoutes(java.util.List.of("crm"));
            camel.addRoutes(routes);
            camel.addTemplatedRoutes(routes);
            long s0 = System.nanoTime();
            camel.start();
            waitForRecords(kafka.bootstrapServers(), rows);
            double snapshotSeconds = (System.nanoTime() - s0) / 1e9;

            long t0 = System.nanoTime();
            sql(db, "UPDATE customers SET segment = 'enterprise'");
            waitForRecords(kafka.bootstrapServers(), 2L * rows);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double eps = rows / seconds;
            camel.stop();
            publisher.close();

            String json = String.format(Locale.ROOT, "{\"rows\":%d,\"capture_eps\":%.0f,\"naive_eps\":%.0f,\"ratio_naive\":%.1f,"
                    + "\"update_seconds\":%.2f,\"snapshot_seconds\":%.2f}", rows, eps, naive, eps / naive, seconds, snapshotSeconds);
            Files.createDirectories(Path.of("target/bench"));
            Files.writeString(Path.of("target/bench/capture.json"), json + "\n");
            System.out.println();
            System.out.println("| measure | value |");
            System.out.println("|---|---|");
            System.out.printf(Locale.ROOT, "| rows updated in one statement | %d |%n", rows);
            System.out.printf(Locale.ROOT, "| capture (route, PostgreSQL commit to all envelopes in Kafka) | %.0f change events/s (%.2f s) |%n", eps, seconds);
            System.out.printf(Locale.ROOT, "| baseline: one record at a time, waiting for each ack | %.0f events/s |%n", naive);
            System.out.printf(Locale.ROOT, "| ratio capture / baseline | %.1f |%n", eps / naive);
            System.out.printf(Locale.ROOT, "| initial snapshot of %d rows | %.2f s |%n", rows, snapshotSeconds);
            System.out.println(json);
        }
        System.exit(0);
    }

    /** The approach that cannot reach the target: send one envelope-sized record and wait for its ack, then the next. */
    private static double naiveBaseline(String bootstrap, int n) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        String value = "x".repeat(600);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>("bench.naive", "warmup", value)).get();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>("bench.naive", "{\"id\":" + i + "}", value)).get(30, TimeUnit.SECONDS);
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static void waitForRecords(String bootstrap, long expected) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (System.nanoTime() < deadline) {
                Set<String> topics = admin.listTopics().names().get();
                if (topics.contains(TOPIC)) {
                    Map<TopicPartition, OffsetSpec> latest = admin.describeTopics(Set.of(TOPIC)).allTopicNames().get().get(TOPIC)
                            .partitions().stream().collect(Collectors.toMap(pi -> new TopicPartition(TOPIC, pi.partition()), pi -> OffsetSpec.latest()));
                    long total = admin.listOffsets(latest).all().get().values().stream().mapToLong(r -> r.offset()).sum();
                    if (total >= expected) {
                        return;
                    }
                }
                Thread.onSpinWait();
                TimeUnit.MILLISECONDS.sleep(20);
            }
            throw new IllegalStateException("Timed out waiting for " + expected + " records in " + TOPIC);
        }
    }

    private static void sql(EmbeddedDatabase db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl("crm"), "postgres", ""); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
