package io.tidewater.capture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.testing.CaptureFixture;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 20, "CDC beyond the demo", backfill of a table added later: a table with rows, added to the include list of a
 * capture that already ran (so snapshotMode initial does not snapshot again), gets its existing rows through an
 * incremental snapshot that capture starts by itself, then its changes; health is UP only once the publication has it.
 */
@ExtendWith(SharedInfrastructure.class)
class CaptureAddedTableRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int ROWS = 3000;

    private final String prefix = TestNames.topic("added");
    private final String slot = TestNames.schema("added");
    private final String table = TestNames.schema("added_rows");
    private final long orderId = System.nanoTime() % 1_000_000_000L * 1000 + 800_000_000_000L;
    private ChangePublisher publisher;
    private CamelContext camel;

    @BeforeEach
    void setUp() {
        CaptureFixture.migrateOltp();
        publisher = new ChangePublisher(SharedInfrastructure.get().bootstrapServers());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (camel != null) {
            camel.stop();
        }
        publisher.close();
        CaptureFixture.dropSlots(slot);
        exec("DROP PUBLICATION IF EXISTS " + slot + "_sales");
        exec("DROP TABLE IF EXISTS " + table);
    }

    @Test
    void aTableAddedToTheCaptureSendsTheRowsItHadThenItsChanges() throws Exception {
        String ordersTopic = prefix + ".sales.public.orders";
        String topic = prefix + ".sales.public." + table;

        // A capture of orders only, which has run: its initial snapshot is done and it streams.
        camel = capture("public.orders");
        camel.start();
        await("the first capture streams").atMost(WAIT).until(this::streaming);
        exec("INSERT INTO orders (id, customer_id, status, total_cents, currency) VALUES (" + orderId + ", 1, 'created', 1, 'EUR')");
        await("a change streamed").atMost(WAIT).until(() -> ids(read(ordersTopic), "c").contains(orderId));
        camel.stop();
        long ordersReads = read(ordersTopic).stream().filter(r -> op(r).equals("r")).count();

        // While capture is stopped, a table with rows appears, and is added to the capture.
        exec("CREATE TABLE " + table + " (id bigint PRIMARY KEY, name text NOT NULL)");
        exec("INSERT INTO " + table + " SELECT g, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
        assertFalse(published(table), "not in the publication yet");
        Set<Long> existing = new TreeSet<>();
        for (long id = 1; id <= ROWS; id++) {
            existing.add(id);
        }

        camel = capture("public.orders,public." + table);
        CaptureHealthCheck health = new CaptureHealthCheck(camel, publisher, List.of("capture-sales"));
        long t0 = System.nanoTime();
        long backfillMs;
        try (HealthSamples samples = new HealthSamples(health, table)) {
            camel.start();
            await("capture UP again").atMost(WAIT).until(() -> health.call().getState() == HealthCheck.State.UP);
            exec("INSERT INTO " + table + " VALUES (" + (ROWS + 1) + ", 'inserted after the restart')");
            exec("UPDATE " + table + " SET name = 'updated after the restart' WHERE id = 1");
            await("existing rows read").atMost(WAIT).until(() -> ids(read(topic), "r").containsAll(existing));
            backfillMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            await("changes after the restart").atMost(WAIT).until(() -> ids(read(topic), "c").contains(ROWS + 1L)
                    && ids(read(topic), "u").contains(1L));
            assertEquals(0, samples.violations(), "health UP while the publication lacked the table");
            assertTrue(samples.ups() > 0);
        }

        List<ConsumerRecord<String, String>> records = read(topic);
        LongSummaryStatistics readAt = records.stream().filter(r -> op(r).equals("r"))
                .mapToLong(ConsumerRecord::timestamp).summaryStatistics();
        System.out.printf("BACKFILL: %d rows of a table added to the capture, all in its topic %d ms after the start began; "
                + "the reads themselves spanned %d ms%n", ROWS, backfillMs, readAt.getMax() - readAt.getMin());
        Set<Long> reads = ids(records, "r");
        assertTrue(reads.containsAll(existing), "every row the table had is read");
        // The row inserted after the restart may be read too, when it came before the snapshot took its highest key.
        reads.removeAll(existing);
        assertTrue(reads.isEmpty() || reads.equals(Set.of(ROWS + 1L)), "nothing else read: " + reads);
        for (ConsumerRecord<String, String> r : records) {
            JsonNode env = JSON.readTree(r.value());
            if (op(r).equals("r")) {
                assertTrue(env.get("source").get("lsn").isNull(), "an incremental snapshot read carries no LSN");
                long id = env.get("after").get("id").asLong();
                String name = env.get("after").get("name").asText();
                Set<String> names = id == 1 ? Set.of("row 1", "updated after the restart")
                        : id == ROWS + 1 ? Set.of("inserted after the restart") : Set.of("row " + id);
                assertTrue(names.contains(name), id + ": " + name);
            }
        }
        assertEquals(1, signals(table), "one backfill signal, for the added table only");
        assertEquals(ordersReads, read(ordersTopic).stream().filter(r -> op(r).equals("r")).count(), "orders not read again");

        // A table dropped from the publication behind capture's back: DOWN, naming it, until it is back.
        exec("ALTER PUBLICATION " + slot + "_sales DROP TABLE " + table);
        HealthCheck.Result down = health.call();
        assertEquals(HealthCheck.State.DOWN, down.getState());
        assertTrue(down.getMessage().orElse("").contains("public." + table), down.getMessage().orElse(""));
        exec("ALTER PUBLICATION " + slot + "_sales ADD TABLE " + table);
        assertEquals(HealthCheck.State.UP, health.call().getState());

        // Started again with the same tables: nothing is new, nothing is signalled again.
        camel.stop();
        camel = capture("public.orders,public." + table);
        camel.start();
        exec("INSERT INTO " + table + " VALUES (" + (ROWS + 2) + ", 'after the second restart')");
        await("the third capture streams").atMost(WAIT).until(() -> ids(read(topic), "c").contains(ROWS + 2L));
        assertEquals(1, signals(table), "no second backfill");
    }

    /** The capture route of the sales database, with this test's slot, topics and include list, not started. */
    private CamelContext capture(String tables) throws Exception {
        CamelContext context = new DefaultCamelContext();
        Properties p = new Properties();
        p.putAll(CaptureFixture.settings(prefix, slot));
        p.put("tidewater.capture.sales.tables", tables);
        context.getPropertiesComponent().setOverrideProperties(p);
        context.getRegistry().bind("changePublisher", publisher);
        context.addLifecycleStrategy(new AddedTableBackfill());
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.resolveResource(context, "file:routes/capture-errors.camel.yaml"),
                ResourceHelper.resolveResource(context, "file:routes/capture.camel.yaml"));
        CaptureRoutes routes = new CaptureRoutes(List.of("sales"));
        context.addRoutes(routes);
        context.addTemplatedRoutes(routes);
        return context;
    }

    /** Samples the health check and the publication all along, in that order: UP, then not published, is a violation. */
    private final class HealthSamples implements AutoCloseable {

        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger violations = new AtomicInteger();
        private final AtomicInteger ups = new AtomicInteger();
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        HealthSamples(CaptureHealthCheck health, String table) {
            sampler.scheduleWithFixedDelay(() -> {
                try {
                    boolean up = health.call().getState() == HealthCheck.State.UP;
                    // The publication only gains the table: not in it now means not in it when health said UP.
                    if (up && !published(table)) {
                        violations.incrementAndGet();
                    }
                    if (up) {
                        ups.incrementAndGet();
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
        }

        int violations() {
            return violations.get();
        }

        int ups() {
            return ups.get();
        }

        @Override
        public void close() throws Exception {
            sampler.shutdownNow();
            sampler.awaitTermination(10, TimeUnit.SECONDS);
            if (failure.get() != null) {
                throw failure.get();
            }
        }
    }

    private boolean published(String name) throws Exception {
        return count("SELECT count(*) FROM pg_publication_tables WHERE pubname = ? AND schemaname = 'public' AND tablename = ?",
                slot + "_sales", name) == 1;
    }

    /** The engine reads its slot (the initial snapshot, which comes first, is over). */
    private boolean streaming() throws Exception {
        return count("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active", slot + "_sales") == 1;
    }

    private long signals(String name) throws Exception {
        return count("SELECT count(*) FROM tidewater_signal WHERE type = 'execute-snapshot' AND id LIKE 'tidewater-backfill-%' "
                + "AND data LIKE ?", "%\"public." + name + "\"%");
    }

    private static long count(String sql, String... params) throws Exception {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void exec(String sql) throws Exception {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }

    private static Connection connect() throws Exception {
        return DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("sales"), "postgres", "");
    }

    /** Everything the topic holds now (none while it does not exist yet); tombstones left out. */
    private static List<ConsumerRecord<String, String>> read(String topic) {
        long size;
        try {
            size = Topics.size(topic);
        } catch (RuntimeException e) {
            return List.of();
        }
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        Topics.readAll(topic, (int) size, Duration.ofSeconds(30)).stream().filter(r -> r.value() != null).forEach(out::add);
        return out;
    }

    private static Set<Long> ids(List<ConsumerRecord<String, String>> records, String op) {
        Set<Long> out = new TreeSet<>();
        records.stream().filter(r -> op(r).equals(op)).forEach(r -> out.add(Long.parseLong(r.key().replaceAll("\\D", ""))));
        return out;
    }

    private static String op(ConsumerRecord<String, String> r) {
        try {
            return JSON.readTree(r.value()).get("op").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
