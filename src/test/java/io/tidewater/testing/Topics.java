package io.tidewater.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produces to and reads from topics on the shared test broker with plain Kafka clients. */
public final class Topics {

    private Topics() {
    }

    public static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // One request in flight keeps the order through any retry without the idempotent producer's sequence checks.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return new KafkaProducer<>(p);
    }

    /** Creates the topics (three partitions) unless they exist, and waits for their leaders. */
    public static void ensure(String... topics) throws Exception {
        try (Admin admin = Admin.create(java.util.Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.get().bootstrapServers()))) {
            io.tidewater.ops.Topics.ensure(admin, List.of(topics), 3, (short) 1);
        }
    }

    /** Sends records with an optional header and waits for every ack. */
    public static void send(String topic, List<String[]> keyValues, String headerName, String headerValue) throws Exception {
        ensure(topic);
        try (KafkaProducer<String, String> producer = producer()) {
            for (String[] kv : keyValues) {
                ProducerRecord<String, String> r = new ProducerRecord<>(topic, kv[0], kv[1]); // a null value is a tombstone
                if (headerName != null) {
                    r.headers().add(new RecordHeader(headerName, headerValue.getBytes(StandardCharsets.UTF_8)));
                }
                producer.send(r);
            }
            producer.flush();
        }
    }

    /** Sends (key, value) records fast (batched, acks from all replicas) to any brokers, and waits for every ack. */
    public static void produce(String bootstrap, String topic, List<String[]> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (String[] r : records) {
                producer.send(new ProducerRecord<>(topic, r[0], r[1]), (m, e) -> {
                    if (e != null) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            producer.flush();
        }
    }

    /** Everything currently in a topic, read from the beginning. */
    public static List<ConsumerRecord<String, String>> readAll(String topic, int expected, Duration timeout) {
        return readAll(SharedInfrastructure.get().bootstrapServers(), topic, expected, timeout);
    }

    /** Everything currently in a topic of the given brokers, read from the beginning. */
    public static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic, int expected, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** How many records a topic holds (the sum of its partitions' end offsets; topics here are never compacted). */
    public static long size(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<org.apache.kafka.common.TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            return consumer.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
