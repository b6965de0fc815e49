package io.tidewater.bench;

import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * The benchmark's events, written once to the broker in Kafka Connect's JSON format with schemas, which every
 * contestant reads: 70% call events, 20% order change envelopes, 10% customer change envelopes, over a customer base.
 */
public final class BenchWorkload {

    public static final String CALLS = "events.callcenter.calls";
    public static final String CUSTOMERS = "cdc.crm.public.customers";
    public static final String ORDERS = "cdc.sales.public.orders";
    private static final String[] SEGMENTS = {"consumer", "smb", "enterprise"};
    private static final String[] REGIONS = {"emea", "amer", "apac"};
    private static final String[] OUTCOMES = {"resolved", "escalated", "dropped"};

    private static final Schema CALL = SchemaBuilder.struct().name("events.callcenter.Call")
            .field("eventId", Schema.STRING_SCHEMA).field("type", Schema.STRING_SCHEMA).field("customerId", Schema.INT64_SCHEMA)
            .field("agentId", Schema.STRING_SCHEMA).field("startedAt", Schema.STRING_SCHEMA).field("durationSec", Schema.INT32_SCHEMA)
            .field("outcome", Schema.STRING_SCHEMA).build();
    private static final Schema CUSTOMER = SchemaBuilder.struct().name(CUSTOMERS + ".Value").optional()
            .field("id", Schema.INT64_SCHEMA).field("name", Schema.STRING_SCHEMA).field("email", Schema.STRING_SCHEMA)
            .field("segment", Schema.STRING_SCHEMA).field("region", Schema.STRING_SCHEMA).field("updated_at", Schema.STRING_SCHEMA).build();
    private static final Schema ORDER = SchemaBuilder.struct().name(ORDERS + ".Value").optional()
            .field("id", Schema.INT64_SCHEMA).field("customer_id", Schema.INT64_SCHEMA).field("status", Schema.STRING_SCHEMA)
            .field("total_cents", Schema.INT64_SCHEMA).field("currency", Schema.STRING_SCHEMA)
            .field("created_at", Schema.STRING_SCHEMA).field("updated_at", Schema.STRING_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA).field("name", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA).field("db", Schema.STRING_SCHEMA).field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA).field("txId", Schema.INT64_SCHEMA).field("lsn", Schema.INT64_SCHEMA).build();

    private BenchWorkload() {
    }

    /** Counts written per topic, and how many distinct customers and orders they carry (a mirror's rows). */
    public record Counts(long calls, long customers, long orders, long distinctCustomers, long distinctOrders) {
        public long total() {
            return calls + customers + orders;
        }

        /** The change events of the two captured tables (what a mirror of both loads). */
        public long changes() {
            return customers + orders;
        }
    }

    private static Schema envelope(String topic, Schema row) {
        return SchemaBuilder.struct().name(topic + ".Envelope").field("before", row).field("after", row)
                .field("source", SOURCE).field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA).build();
    }

    /** Writes {@code events} events; returns the counts per topic. */
    public static Counts produce(String bootstrap, long events, int customerBase, long seed) {
        return produce(bootstrap, "", events, customerBase, seed);
    }

    /** Writes {@code events} events to the topics named with {@code prefix} in front; returns the counts per topic. */
    public static Counts produce(String bootstrap, String prefix, long events, int customerBase, long seed) {
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "true"), false);
        Schema customerEnvelope = envelope(CUSTOMERS, CUSTOMER);
        Schema orderEnvelope = envelope(ORDERS, ORDER);
        Random rnd = new Random(seed);
        long customers = events / 10;
        long orders = events / 5;
        long calls = events - customers - orders;
        long lsn = 1000;
        long orderBase = Math.max(1, orders / 2);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        Instant base = Instant.parse("2026-11-24T00:00:00Z");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; i < customers; i++) {
                long id = i < customerBase ? i + 1 : 1 + rnd.nextInt(customerBase);
                lsn += 1 + rnd.nextInt(20);
                Struct row = new Struct(CUSTOMER).put("id", id).put("name", "Customer " + id + " v" + i)
                        .put("email", "c" + id + "@example.com").put("segment", SEGMENTS[rnd.nextInt(3)])
                        .put("region", REGIONS[rnd.nextInt(3)]).put("updated_at", base.plusMillis(lsn).toString());
                Struct env = change(customerEnvelope, i < customerBase ? "c" : "u", row, "crm", "customers", lsn);
                producer.send(new ProducerRecord<>(prefix + CUSTOMERS, String.valueOf(id), json.fromConnectData(CUSTOMERS, customerEnvelope, env)));
            }
            for (long i = 0; i < orders; i++) {
                long id = i < orderBase ? i + 1 : 1 + (long) rnd.nextInt((int) orderBase);
                lsn += 1 + rnd.nextInt(20);
                Struct row = new Struct(ORDER).put("id", id).put("customer_id", 1L + rnd.nextInt(customerBase))
                        .put("status", i < orderBase ? "created" : "paid").put("total_cents", 100L + rnd.nextInt(100_000))
                        .put("currency", "EUR").put("created_at", base.toString()).put("updated_at", base.plusMillis(lsn).toString());
                Struct env = change(orderEnvelope, i < orderBase ? "c" : "u", row, "sales", "orders", lsn);
                producer.send(new ProducerRecord<>(prefix + ORDERS, String.valueOf(id), json.fromConnectData(ORDERS, orderEnvelope, env)));
            }
            for (long i = 0; i < calls; i++) {
                ProducerRecord<String, byte[]> call = call(json, rnd, new UUID(seed, i), base.plusSeconds(rnd.nextInt(48 * 3600)), customerBase);
                producer.send(new ProducerRecord<>(prefix + CALLS, call.key(), call.value()));
            }
            producer.flush();
        }
        return new Counts(calls, customers, orders, Math.min(customers, customerBase), orders == 0 ? 0 : orderBase);
    }

    /** One call event, e.g. for a paced latency run: started "now" so that the load time shows as latency. */
    static ProducerRecord<String, byte[]> call(JsonConverter json, Random rnd, UUID id, Instant startedAt, int customerBase) {
        long customer = 1 + rnd.nextInt(customerBase);
        Struct value = new Struct(CALL).put("eventId", id.toString()).put("type", "call.completed").put("customerId", customer)
                .put("agentId", "agent-" + rnd.nextInt(200)).put("startedAt", startedAt.toString())
                .put("durationSec", 10 + rnd.nextInt(1800)).put("outcome", OUTCOMES[rnd.nextInt(3)]);
        return new ProducerRecord<>(CALLS, String.valueOf(customer), json.fromConnectData(CALLS, CALL, value));
    }

    static JsonConverter converter() {
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "true"), false);
        return json;
    }

    private static Struct change(Schema envelope, String op, Struct row, String db, String table, long lsn) {
        long ts = 1_795_500_000_000L + lsn;
        Struct source = new Struct(SOURCE).put("version", "3.4.0.Final").put("connector", "postgresql").put("name", "cdc")
                .put("ts_ms", ts).put("db", db).put("schema", "public").put("table", table).put("txId", lsn / 10).put("lsn", lsn);
        return new Struct(envelope).put("before", null).put("after", row).put("source", source).put("op", op).put("ts_ms", ts + 50);
    }
}
