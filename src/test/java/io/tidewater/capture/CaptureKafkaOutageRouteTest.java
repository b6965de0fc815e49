package io.tidewater.capture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.embedded.EmbeddedKafka;
import io.tidewater.embedded.FreePorts;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import io.tidewater.warehouse.DataSources;
import io.tidewater.warehouse.Migrations;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Kafka is down for 20 s while the OLTP database keeps changing: capture waits, resumes, and loses nothing. */
@ExtendWith(SharedInfrastructure.class)
class CaptureKafkaOutageRouteTest extends CamelTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEYS = 20;

    // Set in configureContext, which CamelTestSupport calls from its constructor: no field initializers here.
    private Path kafkaDir;
    private int kafkaPort;
    private int controllerPort;
    private EmbeddedKafka kafka;
    private String slot;
    private String prefix;
    private ChangePublisher publisher;
    private long idBase;

    @Override
    public void configureContext(CamelContextConfiguration config) {
        super.configureContext(config);
        try {
            kafkaDir = Files.createTempDirectory("tidewater-outage-kafka-");
            kafkaPort = FreePorts.next();
            controllerPort = FreePorts.next();
            kafka = new EmbeddedKafka(kafkaDir, kafkaPort, controllerPort, 1).start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        SharedInfrastructure.Stack stack = SharedInfrastructure.get();
        try (var ds = DataSources.pooled("migrate-crm", stack.jdbcUrl("crm"), "postgres", null, null, 3)) {
            Migrations.oltp(ds, "crm");
        }
        slot = TestNames.schema("outage");
        prefix = TestNames.topic("outage");
        idBase = System.nanoTime() % 1_000_000_000L * 1000 + 900_000_000_000L;
        Properties p = new Properties();
        p.put("tidewater.kafka.bootstrap-servers", kafka.bootstrapServers());
        p.put("tidewater.capture.enabled", "true");
        p.put("tidewater.capture.offsets-topic", "tidewater.capture.offsets");
        p.put("tidewater.capture.offsets-replication-factor", "1");
        p.put("tidewater.capture.heartbeat-interval-ms", "1000");
        p.put("tidewater.capture.crm.hostname", "localhost");
        p.put("tidewater.capture.crm.port", String.valueOf(stack.postgresPort()));
        p.put("tidewater.capture.crm.dbname", "crm");
        p.put("tidewater.capture.crm.user", "postgres");
        p.put("tidewater.capture.crm.password", "test");
        p.put("tidewater.capture.crm.slot", slot);
        p.put("tidewater.capture.crm.topic-prefix", prefix);
        p.put("tidewater.capture.crm.tables", "public.customers");
        config.withUseOverridePropertiesWithPropertiesComponent(p);
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        publisher = new ChangePublisher(kafka.bootstrapServers());
        registry.bind("changePublisher", publisher);
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() throws Exception {
        List<RoutesBuilder> builders = new java.util.ArrayList<>(PluginHelper.getRoutesLoader(context).findRoutesBuilders(
                ResourceHelper.resolveResource(context, "file:routes/capture-errors.camel.yaml"),
                ResourceHelper.resolveResource(context, "file:routes/capture.camel.yaml")));
        builders.add(new CaptureRoutes(List.of("crm")));
        return builders.toArray(new RoutesBuilder[0]);
    }

    @AfterEach
    void cleanUp() throws Exception {
        context.stop();
        publisher.close();
        kafka.close();
        io.tidewater.testing.TempDirs.delete(kafkaDir);
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("crm"), "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            ps.executeQuery().close();
        }
    }

    private void update(int version) throws Exception {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("crm"), "postgres", "");
             PreparedStatement ps = c.prepareStatement("UPDATE customers SET name = ? WHERE id >= ? AND id < ?")) {
            ps.setString(1, "v" + version);
            ps.setLong(2, idBase);
            ps.setLong(3, idBase + KEYS);
            ps.executeUpdate();
        }
    }

    @Test
    void captureResumesAfterA20SecondKafkaOutageWithoutLoss() throws Exception {
        String topic = prefix + ".public.customers";
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("crm"), "postgres", "");
             PreparedStatement ps = c.prepareStatement("INSERT INTO customers (id, name, email, segment, region) VALUES (?, 'v0', 'o@example.com', 'smb', 'emea')")) {
            for (int i = 0; i < KEYS; i++) {
                ps.setLong(1, idBase + i);
                ps.executeUpdate();
            }
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> mine(Topics.readAll(kafka.bootstrapServers(), topic, Integer.MAX_VALUE,
                Duration.ofSeconds(2))).size() >= KEYS);

        kafka.close();
        long down = System.nanoTime();
        int version = 0;
        while (System.nanoTime() - down < Duration.ofSeconds(20).toNanos()) {
            update(++version);
        }
        kafka = new EmbeddedKafka(kafkaDir, kafkaPort, controllerPort, 1).start();
        int last = version;

        await().atMost(Duration.ofSeconds(120)).until(() -> {
            Map<Long, Integer> seen = new HashMap<>();
            for (ConsumerRecord<String, String> r : mine(Topics.readAll(kafka.bootstrapServers(), topic, Integer.MAX_VALUE, Duration.ofSeconds(2)))) {
                seen.merge(id(r), version(r), Math::max);
            }
            return seen.size() == KEYS && seen.values().stream().allMatch(v -> v == last);
        });
        List<ConsumerRecord<String, String>> all = mine(Topics.readAll(kafka.bootstrapServers(), topic, Integer.MAX_VALUE, Duration.ofSeconds(3)));
        for (long id = idBase; id < idBase + KEYS; id++) {
            long key = id;
            int expected = 0;
            for (ConsumerRecord<String, String> r : all) {
                if (id(r) == key && version(r) >= expected) {
                    assertEquals(expected, version(r), "changes of " + key + " complete and in order");
                    expected++;
                }
            }
            assertEquals(last + 1, expected);
        }
        System.out.println("CAPTURE KAFKA OUTAGE: " + last + " updates of " + KEYS + " rows during 20 s without Kafka, all delivered");
    }

    private List<ConsumerRecord<String, String>> mine(List<ConsumerRecord<String, String>> records) {
        return records.stream().filter(r -> r.value() != null && r.key() != null && id(r) >= idBase && id(r) < idBase + KEYS).toList();
    }

    private static long id(ConsumerRecord<String, String> r) {
        return Long.parseLong(r.key().replaceAll("\\D", ""));
    }

    private static int version(ConsumerRecord<String, String> r) {
        try {
            return Integer.parseInt(JSON.readTree(r.value()).get("after").get("name").asText().substring(1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
