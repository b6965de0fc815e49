package io.tidewater.capture;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tidewater.ops.Topics;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.debezium.DebeziumConstants;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
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

    public ChangePublisher(String bootstrapServers) {
        this(bootstrapServers, 3);
    }

    public ChangePublisher(String bootstrapServers, int partitions) {
        this.partitions = partitions;
        this.admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.MAX_VALUE);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "tidewater-capture");
        this.producer = new KafkaProducer<>(p);
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
        ObjectNode envelope = MAPPER.createObjectNode();
        envelope.set("before", toJson(topic, in.getHeader(DebeziumConstants.HEADER_BEFORE, Struct.class)));
        envelope.set("after", toJson(topic, in.getBody(Struct.class)));
        envelope.set("source", MAPPER.valueToTree(in.getHeader(DebeziumConstants.HEADER_SOURCE_METADATA, Map.class)));
        envelope.put("op", op);
        envelope.put("ts_ms", in.getHeader(DebeziumConstants.HEADER_TIMESTAMP, Long.class));
        send(topic, keyJson, MAPPER.writeValueAsString(envelope));
        if (op.equals("d")) {
            send(topic, keyJson, null);
        }
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
