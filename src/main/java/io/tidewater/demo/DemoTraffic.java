package io.tidewater.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import io.tidewater.kafka.KafkaClients;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Demo load: customer and order changes in the OLTP databases, plus call and shipping events in Kafka, at a set rate. */
public class DemoTraffic implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoTraffic.class);
    private static final int TICKS_PER_SECOND = 10;
    private static final String[] SEGMENTS = {"consumer", "smb", "enterprise"};
    private static final String[] REGIONS = {"emea", "amer", "apac"};
    private static final String[] OUTCOMES = {"resolved", "resolved", "resolved", "escalated", "dropped"};
    private static final String[] STATUSES = {"paid", "packed", "shipped", "completed"};
    private static final String[] CARRIERS = {"dhl", "ups", "fedex"};

    static final String UPSERT_CUSTOMER = "INSERT INTO customers (id, name, email, segment, region, updated_at) "
            + "VALUES (?, ?, ?, ?, ?, now()) ON CONFLICT (id) DO UPDATE SET segment = EXCLUDED.segment, "
            + "region = EXCLUDED.region, updated_at = now()";
    static final String INSERT_ORDER = "INSERT INTO orders (id, customer_id, status, total_cents, currency) VALUES (?, ?, 'created', ?, 'EUR')";
    static final String UPDATE_ORDER = "UPDATE orders SET status = ?, updated_at = now() WHERE id = ?";
    static final String MAX_ORDER = "SELECT coalesce(max(id), 0) FROM orders";

    private final DataSource crm;
    private final DataSource sales;
    private final KafkaProducer<String, String> producer;
    private final String callsTopic;
    private final String shippingTopic;
    private final int ratePerSecond;
    private final int customers;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "tidewater-demo"));
    private long nextOrderId;

    public DemoTraffic(DataSource crm, DataSource sales, String bootstrapServers, String callsTopic, String shippingTopic,
                       int ratePerSecond, int customers) {
        this.crm = crm;
        this.sales = sales;
        this.callsTopic = callsTopic;
        this.shippingTopic = shippingTopic;
        this.ratePerSecond = ratePerSecond;
        this.customers = customers;
        this.producer = new KafkaClients(bootstrapServers).durableProducer("tidewater-demo",
                java.util.Map.of(ProducerConfig.LINGER_MS_CONFIG, 20));
    }

    public void start() throws SQLException {
        nextOrderId = maxOrderId() + 1;
        timer.scheduleAtFixedRate(this::tickSafely, 0, 1000 / TICKS_PER_SECOND, TimeUnit.MILLISECONDS);
        LOG.info("Demo traffic on: {} events/s over {} customers", ratePerSecond, customers);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (Exception e) {
            // The demo keeps going through a database or broker outage; the next tick tries again.
            LOG.warn("Demo traffic tick failed: {}", e.getMessage());
        }
    }

    private void tick() throws SQLException {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int events = Math.max(1, ratePerSecond / TICKS_PER_SECOND);
        int customerChanges = Math.max(events / 10, rnd.nextInt(10) == 0 ? 1 : 0);
        int orderChanges = Math.max(events / 5, 1);
        int shipping = events / 10;
        int calls = Math.max(1, events - customerChanges - orderChanges - shipping);
        writeCustomers(customerChanges, rnd);
        writeOrders(orderChanges, rnd);
        for (int i = 0; i < calls; i++) {
            long customerId = 1 + rnd.nextInt(customers);
            producer.send(new ProducerRecord<>(callsTopic, String.valueOf(customerId), callJson(customerId, rnd)));
        }
        for (int i = 0; i < shipping && nextOrderId > 1; i++) {
            long orderId = 1 + rnd.nextLong(nextOrderId - 1);
            producer.send(new ProducerRecord<>(shippingTopic, String.valueOf(orderId), shippingJson(orderId, rnd)));
        }
    }

    static String callJson(long customerId, ThreadLocalRandom rnd) {
        return "{\"eventId\":\"" + UUID.randomUUID() + "\",\"type\":\"call.completed\",\"customerId\":" + customerId
                + ",\"agentId\":\"agent-" + rnd.nextInt(50) + "\",\"startedAt\":\"" + Instant.now().minusSeconds(rnd.nextInt(600))
                + "\",\"durationSec\":" + (30 + rnd.nextInt(900)) + ",\"outcome\":\"" + OUTCOMES[rnd.nextInt(OUTCOMES.length)] + "\"}";
    }

    static String shippingJson(long orderId, ThreadLocalRandom rnd) {
        String type = rnd.nextBoolean() ? "shipment.dispatched" : "shipment.delivered";
        return "{\"eventId\":\"" + UUID.randomUUID() + "\",\"type\":\"" + type + "\",\"orderId\":" + orderId
                + ",\"carrier\":\"" + CARRIERS[rnd.nextInt(CARRIERS.length)] + "\",\"occurredAt\":\"" + Instant.now() + "\"}";
    }

    private void writeCustomers(int n, ThreadLocalRandom rnd) throws SQLException {
        if (n == 0) {
            return;
        }
        try (Connection c = crm.getConnection(); PreparedStatement ps = c.prepareStatement(UPSERT_CUSTOMER)) {
            for (int i = 0; i < n; i++) {
                long id = 1 + rnd.nextInt(customers);
                ps.setLong(1, id);
                ps.setString(2, "Customer " + id);
                ps.setString(3, "customer" + id + "@example.com");
                ps.setString(4, SEGMENTS[rnd.nextInt(SEGMENTS.length)]);
                ps.setString(5, REGIONS[(int) (id % REGIONS.length)]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void writeOrders(int n, ThreadLocalRandom rnd) throws SQLException {
        try (Connection c = sales.getConnection();
             PreparedStatement insert = c.prepareStatement(INSERT_ORDER);
             PreparedStatement update = c.prepareStatement(UPDATE_ORDER)) {
            for (int i = 0; i < n; i++) {
                if (nextOrderId == 1 || rnd.nextInt(3) > 0) {
                    insert.setLong(1, nextOrderId++);
                    insert.setLong(2, 1 + rnd.nextInt(customers));
                    insert.setLong(3, 100 + rnd.nextInt(100_000));
                    insert.addBatch();
                } else {
                    update.setString(1, STATUSES[rnd.nextInt(STATUSES.length)]);
                    update.setLong(2, 1 + rnd.nextLong(nextOrderId - 1));
                    update.addBatch();
                }
            }
            insert.executeBatch();
            update.executeBatch();
        }
    }

    private long maxOrderId() throws SQLException {
        try (Connection c = sales.getConnection(); PreparedStatement ps = c.prepareStatement(MAX_ORDER);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() {
        timer.shutdown();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
