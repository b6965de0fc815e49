package io.tidewater.capture;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tidewater.kafka.KafkaClients;
import io.tidewater.ops.Topics;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each captured change to cdc.&lt;db&gt;.&lt;schema&gt;.&lt;table&gt; as the standard Debezium JSON envelope,
 * keyed by the primary key, with a tombstone after a delete. Sends are asynchronous (idempotent producer, acks=all,
 * so per-key order holds); {@link CaptureCommitPolicy} flushes them before Debezium stores its offsets, so a change is
 * never marked captured before Kafka has it.
 */
public class ChangePublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChangePublisher.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final KafkaProducer<String, String> producer;
    private final JsonConverter converter = new JsonConverter();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final LongAdder published = new LongAdder();
    private final Admin admin;
    private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();
    private final int partitions;
    private final boolean schemas;
    /** The envelope schema of each table's row schema (a table's changes share one until the table changes). */
    private final Map<org.apache.kafka.connect.data.Schema, ObjectNode> envelopeSchemas = new ConcurrentHashMap<>();

    public ChangePublisher(String bootstrapServers) {
        this(bootstrapServers, 3, false);
    }

    public ChangePublisher(String bootstrapServers, int partitions) {
        this(bootstrapServers, partitions, false);
    }

    /**
     * schemas: each change carries its Kafka Connect schema beside the payload (Connect's JSON converter with
     * schemas.enable=true), which mirror flows read to type the columns, new ones included.
     */
    public ChangePublisher(String bootstrapServers, int partitions, boolean schemas) {
        this.partitions = partitions;
        this.schemas = schemas;
        KafkaClients kafka = new KafkaClients(bootstrapServers);
        this.admin = kafka.admin();
        // Waits out a broker outage rather than lose a change: Debezium's offset is committed only once it is sent.
        this.producer = kafka.durableProducer("tidewater-capture", Map.of(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE, ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.MAX_VALUE));
        converter.configure(Map.of("schemas.enable", "false"), false);
        CaptureCommitPolicy.register(this);
    }

    /** One change from a debezium-postgres consumer. Heartbeats and schema events (no operation) are skipped. */
    public void publish(Exchange exchange) throws Exception {
        Exception failed = failure.get();
        if (failed != null) {
            throw new IllegalStateException("An earlier send to Kafka failed; capture stops so nothing is skipped", failed);
        }
        Message in = exchange.getMessage();
        String op = in.getHeader(DebeziumConstants.HEADER_OPERATION, String.class);
        String topic = in.getHeader(DebeziumConstants.HEADER_IDENTIFIER, String.class);
        if (op == null || topic == null || topic.endsWith(".tidewater_heartbeat") || topic.endsWith(".tidewater_signal")) {
            // Heartbeats and signals are captured so that the slot advances and snapshots can be triggered; not published.
            return;
        }
        if (knownTopics.add(topic)) {
            // A table's first change: create its topic (partitioned by key) before producing to it.
            Topics.ensure(admin, List.of(topic), partitions, (short) 1);
        }
        Struct key = in.getHeader(DebeziumConstants.HEADER_KEY, Struct.class);
        String keyJson = key == null ? null : toJson(topic, key).toString();
        Struct before = in.getHeader(DebeziumConstants.HEADER_BEFORE, Struct.class);
        Struct after = in.getBody(Struct.class);
        Map<?, ?> source = in.getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class);
        ObjectNode envelope = MAPPER.createObjectNode();
        envelope.set("before", toJson(topic, before));
        envelope.set("after", toJson(topic, after));
        envelope.set("source", MAPPER.valueToTree(source));
        envelope.put("op", op);
        envelope.put("ts_ms", in.getHeader(DebeziumConstants.HEADER_TIMESTAMP, Long.class));
        Struct row = after != null ? after : before;
        if (schemas && row != null) {
            ObjectNode record = MAPPER.createObjectNode();
            record.set("schema", envelopeSchemas.computeIfAbsent(row.schema(), s -> envelopeSchema(topic, row, source)));
            record.set("payload", envelope);
            envelope = record;
        }
        send(topic, keyJson, MAPPER.writeValueAsString(envelope));
        if (op.equals("d")) {
            send(topic, keyJson, null);
        }
    }

    /** The Connect schema of a Debezium envelope: before and after typed as the table's row, the source block, op, ts_ms. */
    private ObjectNode envelopeSchema(String topic, Struct row, Map<?, ?> source) {
        ObjectNode schema = MAPPER.createObjectNode();
        schema.put("type", "struct");
        schema.put("optional", false);
        schema.put("name", topic + ".Envelope");
        var fields = schema.putArray("fields");
        for (String field : List.of("before", "after")) {
            ObjectNode rowSchema = converter.asJsonSchema(row.schema()).deepCopy();
            rowSchema.put("optional", true);
            rowSchema.put("field", field);
            fields.add(rowSchema);
        }
        ObjectNode sourceSchema = fields.addObject();
        sourceSchema.put("type", "struct");
        sourceSchema.put("optional", false);
        sourceSchema.put("name", "io.debezium.connector.postgresql.Source");
        var sourceFields = sourceSchema.putArray("fields");
        if (source != null) {
            source.forEach((name, value) -> sourceFields.addObject().put("type", value instanceof Long ? "int64"
                    : value instanceof Integer ? "int32" : value instanceof Boolean ? "boolean" : "string")
                    .put("optional", true).put("field", String.valueOf(name)));
        }
        sourceSchema.put("field", "source");
        fields.addObject().put("type", "string").put("optional", false).put("field", "op");
        fields.addObject().put("type", "int64").put("optional", true).put("field", "ts_ms");
        return schema;
    }

    private JsonNode toJson(String topic, Struct struct) {
        if (struct == null) {
            return MAPPER.nullNode();
        }
        try {
            return MAPPER.readTree(converter.fromConnectData(topic, struct.schema(), struct));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Cannot render a change of " + topic + " as JSON", e);
        }
    }

    private void send(String topic, String key, String value) {
        producer.send(new ProducerRecord<>(topic, key, value), (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
                LOG.error("Publishing a change to {} failed: {}", topic, e.getMessage());
            } else {
                published.increment();
            }
        });
    }

    /** Waits until every change handed over so far is acknowledged by Kafka; fails if any send failed. */
    public void flush() {
        producer.flush();
        Exception failed = failure.get();
        if (failed != null) {
            throw new IllegalStateException("A change could not be published to Kafka", failed);
        }
    }

    public long published() {
        return published.sum();
    }

    public boolean failed() {
        return failure.get() != null;
    }

    @Override
    public void close() {
        CaptureCommitPolicy.unregister(this);
        producer.close(Duration.ofSeconds(10));
        admin.close(Duration.ofSeconds(5));
    }
}
