package io.tidewater.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Every Kafka client Tidewater makes outside Camel's Kafka endpoints, from one place: the brokers, the client id and
 * the timeouts an operator expects of each use. The routes' consumers and producers are camel-kafka's.
 */
public final class KafkaClients {

    private final String bootstrapServers;

    public KafkaClients(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** An admin client; timeoutMs bounds each call (0: Kafka's defaults). */
    public Admin admin(String clientId, int timeoutMs) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        if (clientId != null) {
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        }
        if (timeoutMs > 0) {
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
            p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        }
        return Admin.create(p);
    }

    /** An admin client with Kafka's default timeouts, for one short task. */
    public Admin admin() {
        return admin(null, 0);
    }

    /**
     * A producer of text keys and values that loses nothing: acknowledged by every in-sync replica, idempotent, and
     * retried for as long as it takes. more: the settings of its use (linger, batch size).
     */
    public KafkaProducer<String, String> durableProducer(String clientId, Map<String, Object> more) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.putAll(more);
        return new KafkaProducer<>(p);
    }

    /** A consumer of raw records that commits nothing, for reading a record or a range by hand. */
    public KafkaConsumer<byte[], byte[]> reader(int maxPollRecords, int maxFetchBytes) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxFetchBytes);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, maxFetchBytes);
        return new KafkaConsumer<>(p);
    }
}
