package io.tidewater.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The benchmark's baseline: what a data engineer would write by hand without Camel. One KafkaConsumer per topic;
 * each polled batch becomes one JDBC transaction of multi-row upserts (array parameters) into the same EDW schema,
 * with the batch's next offsets in etl_offsets, and consumers seek to etl_offsets on assignment. Same semantics as
 * Tidewater's load: exactly once, inferred customers, type-2 customers in LSN order, LSN-guarded orders, the hourly
 * call aggregate. Like Tidewater, it keeps the customers' keys in memory (filled at start, written through by the
 * customers consumer) and asks the warehouse only for customers it does not know.
 *
 * <p>Usage: BaselineLoader bootstrap jdbcUrl schema group
 */
public final class BaselineLoader {

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The customers' keys as last read or written (customer id to customer key), as a hand-written loader would keep them
     * in memory: the calls and orders consumers ask the warehouse only for customers missing here, and the customers
     * consumer puts the versions it applies.
     */
    private static final Map<Long, Long> KEYS = new java.util.concurrent.ConcurrentHashMap<>();
    /** Keys read or written by the consumer's current transaction: into {@link #KEYS} once it commits. */
    private static final ThreadLocal<Map<Long, Long>> PENDING = ThreadLocal.withInitial(HashMap::new);
    /** Keys of members last seen inferred (no source LSN): a calls batch locks those it looks up, as Tidewater's do. */
    private static final java.util.Set<Long> INFERRED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The consumer's current transaction's changes to {@link #INFERRED}: key to inferred or not. */
    private static final ThreadLocal<Map<Long, Boolean>> PENDING_INFERRED = ThreadLocal.withInitial(HashMap::new);

    private BaselineLoader() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String jdbc = args[1];
        String schema = args[2];
        String group = args[3];
        createFunctions(jdbc, schema);
        warmKeys(jdbc, schema);
        List<Thread> threads = new ArrayList<>();
        for (String topic : List.of(BenchWorkload.CALLS, BenchWorkload.ORDERS, BenchWorkload.CUSTOMERS)) {
            Thread t = new Thread(() -> {
                try {
                    consume(bootstrap, jdbc, schema, group, topic);
                } catch (Exception e) {
                    e.printStackTrace();
                    System.exit(1);
                }
            }, "baseline-" + topic);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /** The current customers' keys into memory at start (up to 100,000, the newest first), as Tidewater fills its cache. */
    private static void warmKeys(String jdbc, String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
             PreparedStatement path = c.prepareStatement("SELECT set_config('search_path', ?, false)");
             PreparedStatement ps = c.prepareStatement("SELECT customer_id, customer_key, is_inferred FROM dim_customer WHERE is_current"
                     + " ORDER BY customer_key DESC LIMIT 100000")) {
            path.setString(1, schema);
            path.execute();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    KEYS.put(rs.getLong(1), rs.getLong(2));
                    if (rs.getBoolean(3)) {
                        INFERRED.add(rs.getLong(2));
                    }
                }
            }
        }
    }

    /** The baseline's own SQL functions (src/test/resources/bench/baseline.sql), in its schema. */
    private static void createFunctions(String jdbc, String schema) throws Exception {
        String sql;
        try (var in = BaselineLoader.class.getResourceAsStream("/bench/baseline.sql")) {
            sql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
             PreparedStatement path = c.prepareStatement("SELECT set_config('search_path', ?, false)");
             java.sql.Statement st = c.createStatement()) {
            path.setString(1, schema);
            path.execute();
            st.execute(sql);
        }
    }

    private static void consume(String bootstrap, String jdbc, String schema, String group, String topic) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group + "." + topic);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT set_config('search_path', ?, false)")) {
                ps.setString(1, schema);
                ps.execute();
            }
            c.setAutoCommit(false);
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT next_offset FROM etl_offsets WHERE consumer_group = ? AND topic = ? AND partition = ?")) {
                        for (TopicPartition tp : partitions) {
                            ps.setString(1, group);
                            ps.setString(2, tp.topic());
                            ps.setInt(3, tp.partition());
                            try (ResultSet rs = ps.executeQuery()) {
                                if (rs.next()) {
                                    consumer.seek(tp, rs.getLong(1));
                                }
                            }
                        }
                        c.commit();
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                Map<TopicPartition, Long> next = new LinkedHashMap<>();
                List<JsonNode> values = new ArrayList<>(records.count());
                for (ConsumerRecord<String, String> r : records) {
                    JsonNode v = JSON.readTree(r.value());
                    values.add(v.has("payload") ? v.get("payload") : v);
                    next.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
                }
                // A deadlock between writers of new customers (rare) rolls the batch back; it is applied again.
                for (int attempt = 1; ; attempt++) {
                    try {
                        switch (topic) {
                            case BenchWorkload.CALLS -> calls(c, values);
                            case BenchWorkload.ORDERS -> orders(c, values);
                            default -> customers(c, values);
                        }
                        offsets(c, group, next);
                        c.commit();
                        KEYS.putAll(PENDING.get());
                        PENDING.get().clear();
                        PENDING_INFERRED.get().forEach((k, inferred) -> {
                            if (inferred) {
                                INFERRED.add(k);
                            } else {
                                INFERRED.remove(k);
                            }
                        });
                        PENDING_INFERRED.get().clear();
                        break;
                    } catch (SQLException e) {
                        c.rollback();
                        PENDING.get().clear();
                        PENDING_INFERRED.get().clear();
                        if (!"40P01".equals(e.getSQLState()) || attempt == 5) {
                            throw e;
                        }
                    }
                }
            }
        }
    }

    private static Map<Long, Long> ensureCustomers(Connection c, List<Long> ids) throws SQLException {
        Map<Long, Long> keys = new HashMap<>();
        List<Long> missing = new ArrayList<>();
        for (Long id : ids) {
            Long key = KEYS.get(id);
            if (key == null) {
                missing.add(id);
            } else {
                keys.put(id, key);
            }
        }
        if (missing.isEmpty()) {
            return keys;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id, customer_key, source_lsn FROM baseline_ensure_customers(?)")) {
            ps.setArray(1, c.createArrayOf("bigint", missing.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.put(rs.getLong(1), rs.getLong(2));
                    PENDING.get().put(rs.getLong(1), rs.getLong(2));
                    rs.getLong(3);
                    PENDING_INFERRED.get().put(rs.getLong(2), rs.wasNull());
                }
            }
        }
        return keys;
    }

    private static void calls(Connection c, List<JsonNode> values) throws SQLException {
        List<Long> customers = values.stream().map(v -> v.get("customerId").asLong()).distinct().toList();
        Map<Long, Long> keys = ensureCustomers(c, customers);
        int n = values.size();
        Object[] ids = new Object[n];
        Object[] cust = new Object[n];
        Object[] key = new Object[n];
        Object[] agent = new Object[n];
        Object[] started = new Object[n];
        Object[] duration = new Object[n];
        Object[] outcome = new Object[n];
        for (int i = 0; i < n; i++) {
            JsonNode v = values.get(i);
            ids[i] = v.get("eventId").asText();
            cust[i] = v.get("customerId").asLong();
            key[i] = keys.get(v.get("customerId").asLong());
            agent[i] = v.get("agentId").asText();
            started[i] = v.get("startedAt").asText();
            duration[i] = v.get("durationSec").asInt();
            outcome[i] = v.get("outcome").asText();
        }
        String sql = "WITH inserted AS (INSERT INTO fact_call (event_id, customer_id, customer_key, agent_id, started_at, duration_sec, outcome)"
                + " SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::bigint[], ?::text[], ?::timestamptz[], ?::int[], ?::text[])"
                + " ON CONFLICT (event_id) DO NOTHING RETURNING started_at, customer_key, duration_sec)"
                + " INSERT INTO agg_calls_hourly AS a (hour, region, segment, calls, total_duration_sec)"
                + " SELECT date_trunc('hour', i.started_at, 'UTC'), coalesce(d.region, 'unknown'), coalesce(d.segment, 'unknown'),"
                + " count(*), sum(i.duration_sec) FROM inserted i LEFT JOIN dim_customer d ON d.customer_key = i.customer_key"
                + " GROUP BY 1, 2, 3 ON CONFLICT (hour, region, segment) DO UPDATE SET calls = a.calls + EXCLUDED.calls,"
                + " total_duration_sec = a.total_duration_sec + EXCLUDED.total_duration_sec";
        // A share lock on the inferred members looked up, in key order, as Tidewater's calls batches take.
        Object[] inferred = java.util.Arrays.stream(key).filter(k -> INFERRED.contains((Long) k) || Boolean.TRUE.equals(PENDING_INFERRED.get().get((Long) k)))
                .distinct().toArray();
        if (inferred.length > 0) {
            try (PreparedStatement lock = c.prepareStatement("SELECT count(*) FROM (SELECT 1 FROM dim_customer WHERE customer_key = ANY (?)"
                    + " AND is_inferred ORDER BY customer_key FOR SHARE) l")) {
                lock.setArray(1, c.createArrayOf("bigint", inferred));
                lock.execute();
            }
        }
        executeWithArrays(c, sql, new String[] {"text", "bigint", "bigint", "text", "text", "int4", "text"},
                new Object[][] {ids, cust, key, agent, started, duration, outcome});
    }

    private static void orders(Connection c, List<JsonNode> values) throws SQLException {
        Map<Long, Long> keys = ensureCustomers(c, values.stream().map(v -> v.get("after").get("customer_id").asLong()).distinct().toList());
        int n = values.size();
        Object[][] cols = new Object[9][n];
        for (int i = 0; i < n; i++) {
            JsonNode a = values.get(i).get("after");
            cols[0][i] = a.get("id").asLong();
            cols[1][i] = keys.get(a.get("customer_id").asLong());
            cols[2][i] = a.get("status").asText();
            cols[3][i] = a.get("total_cents").asLong();
            cols[4][i] = a.get("currency").asText();
            cols[5][i] = a.get("created_at").asText();
            cols[6][i] = a.get("updated_at").asText();
            cols[7][i] = values.get(i).get("source").get("lsn").asLong();
            cols[8][i] = Boolean.FALSE;
        }
        // Newest change per order within the batch, so one statement never touches a row twice.
        String sql = "INSERT INTO fact_order AS f (order_id, customer_key, status, total_cents, currency, created_at, updated_at, source_lsn, deleted)"
                + " SELECT DISTINCT ON (o) o, k, s, t, cur, ca::timestamptz, ua::timestamptz, l, del FROM unnest(?::bigint[], ?::bigint[], ?::text[],"
                + " ?::bigint[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::boolean[]) AS x(o, k, s, t, cur, ca, ua, l, del)"
                + " ORDER BY o, l DESC"
                + " ON CONFLICT (order_id) DO UPDATE SET customer_key = EXCLUDED.customer_key, status = EXCLUDED.status,"
                + " total_cents = EXCLUDED.total_cents, currency = EXCLUDED.currency, created_at = EXCLUDED.created_at,"
                + " updated_at = EXCLUDED.updated_at, source_lsn = EXCLUDED.source_lsn, deleted = EXCLUDED.deleted"
                + " WHERE f.source_lsn IS NULL OR f.source_lsn < EXCLUDED.source_lsn";
        String[] types = {"bigint", "bigint", "text", "bigint", "text", "text", "text", "bigint", "boolean"};
        executeWithArrays(c, sql, types, cols);
    }

    private static void customers(Connection c, List<JsonNode> values) throws SQLException {
        List<JsonNode> sorted = new ArrayList<>(values);
        sorted.sort((x, y) -> Long.compare(x.get("source").get("lsn").asLong(), y.get("source").get("lsn").asLong()));
        int n = sorted.size();
        Object[][] cols = new Object[8][n];
        for (int i = 0; i < n; i++) {
            JsonNode a = sorted.get(i).get("after");
            cols[0][i] = a.get("id").asLong();
            cols[1][i] = a.get("name").asText();
            cols[2][i] = a.get("email").asText();
            cols[3][i] = a.get("segment").asText();
            cols[4][i] = a.get("region").asText();
            cols[5][i] = a.get("updated_at").asText();
            cols[6][i] = sorted.get(i).get("source").get("lsn").asLong();
            cols[7][i] = Boolean.FALSE;
        }
        String[] types = {"bigint", "text", "text", "text", "text", "timestamptz", "bigint", "boolean"};
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id, customer_key, source_lsn FROM baseline_apply_customer_changes(?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < cols.length; i++) {
                ps.setArray(i + 1, c.createArrayOf(types[i], cols[i]));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    PENDING.get().put(rs.getLong(1), rs.getLong(2));
                    rs.getLong(3);
                    PENDING_INFERRED.get().put(rs.getLong(2), rs.wasNull());
                }
            }
        }
    }

    /** Runs sql with one array parameter per column (multi-row statements over unnest). */
    private static void executeWithArrays(Connection c, String sql, String[] types, Object[][] cols) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < cols.length; i++) {
                ps.setArray(i + 1, c.createArrayOf(types[i], cols[i]));
            }
            ps.execute();
        }
    }

    private static void offsets(Connection c, String group, Map<TopicPartition, Long> next) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO etl_offsets (consumer_group, topic, partition, next_offset, updated_at)"
                + " VALUES (?, ?, ?, ?, now()) ON CONFLICT (consumer_group, topic, partition)"
                + " DO UPDATE SET next_offset = GREATEST(etl_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()")) {
            for (Map.Entry<TopicPartition, Long> e : next.entrySet()) {
                ps.setString(1, group);
                ps.setString(2, e.getKey().topic());
                ps.setInt(3, e.getKey().partition());
                ps.setLong(4, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
