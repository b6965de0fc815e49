package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.tidewater.flow.Flows;
import io.tidewater.ops.FlowHealthChecks;
import io.tidewater.ops.PipelineStats;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.Topics;
import org.apache.camel.health.HealthCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, "Inputs refused, never blocking": invalid UTF-8 and duplicate field names are dead-lettered with their
 * original bytes; an event too large to copy (2 MB, sent compressed) is dead-lettered as its coordinates, size, reason
 * and first bytes, and a re-drive reads the original from its source topic; a dead letter that cannot be written makes
 * the flow DOWN with the reason, and the flow moves on once it can be.
 */
class RefusedInputRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private static KafkaProducer<String, byte[]> bytesProducer(String compression) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }

    private static RecordMetadata send(String topic, String key, byte[] value, String compression) throws Exception {
        try (KafkaProducer<String, byte[]> producer = bytesProducer(compression)) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static List<ConsumerRecord<String, byte[]>> deadLetters(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic + ".dlq"));
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= expected;
            });
        }
        return out;
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] call(String id, int duration) {
        return Envelopes.call(id, 1, "2026-11-24T10:00:00Z", duration, "resolved").getBytes(StandardCharsets.UTF_8);
    }

    private long loaded(String id) {
        return warehouse.count("SELECT count(*) FROM fact_call WHERE event_id = '" + id + "'");
    }

    @Test
    void invalidUtf8AndDuplicateFieldNamesAreDeadLetteredAsTheyCame() throws Exception {
        String first = UUID.randomUUID().toString();
        String last = UUID.randomUUID().toString();
        // An agent id with a byte that starts no UTF-8 sequence (0xC3 followed by '('), as a broken producer sends it.
        ByteArrayOutputStream badUtf8 = new ByteArrayOutputStream();
        badUtf8.write(Envelopes.call(UUID.randomUUID().toString(), 1, "2026-11-24T10:00:00Z", 5, "resolved")
                .replace(Envelopes.AGENT, "agent-\u0001").getBytes(StandardCharsets.UTF_8));
        byte[] invalid = badUtf8.toByteArray();
        int marker = indexOf(invalid, (byte) 1);
        invalid[marker] = (byte) 0xC3;
        byte[] twice = Envelopes.call(UUID.randomUUID().toString(), 1, "2026-11-24T10:00:00Z", 5, "resolved")
                .replace("\"durationSec\":5", "\"durationSec\":5,\"durationSec\":7").getBytes(StandardCharsets.UTF_8);
        send(calls, "1", call(first, 10), "none");
        send(calls, "1", invalid, "none");
        send(calls, "1", twice, "none");
        send(calls, "1", call(last, 20), "none");

        await().atMost(WAIT).until(() -> loaded(first) + loaded(last) == 2);
        assertEquals(2, warehouse.count("SELECT count(*) FROM fact_call"), "nothing loaded altered");
        List<ConsumerRecord<String, byte[]>> dlq = deadLetters(calls, 2);
        assertEquals(2, dlq.size());
        ConsumerRecord<String, byte[]> utf8 = dlq.stream().filter(r -> Arrays.equals(r.value(), invalid)).findFirst().orElseThrow();
        assertTrue(header(utf8, "tidewater.error.message").contains("not valid UTF-8"), header(utf8, "tidewater.error.message"));
        ConsumerRecord<String, byte[]> dup = dlq.stream().filter(r -> Arrays.equals(r.value(), twice)).findFirst().orElseThrow();
        assertTrue(header(dup, "tidewater.error.message").contains("Duplicate field 'durationSec'"), header(dup, "tidewater.error.message"));
    }

    @Test
    void anEventTooLargeToCopyIsDeadLetteredAsItsCoordinatesAndRedrivenFromItsSource() throws Exception {
        String big = UUID.randomUUID().toString();
        String after = UUID.randomUUID().toString();
        byte[] huge = Envelopes.call(big, 1, "2026-11-24T10:00:00Z", 5, "resolved")
                .replace("\"outcome\"", "\"pad\":\"" + "x".repeat(2 * 1024 * 1024) + "\",\"outcome\"").getBytes(StandardCharsets.UTF_8);
        RecordMetadata at = send(calls, "1", huge, "gzip");
        send(calls, "1", call(after, 20), "none");

        await().atMost(WAIT).until(() -> loaded(after) == 1);
        List<ConsumerRecord<String, byte[]>> dlq = deadLetters(calls, 1);
        assertEquals(1, dlq.size());
        ConsumerRecord<String, byte[]> letter = dlq.get(0);
        assertEquals(String.valueOf(huge.length), header(letter, "tidewater.error.size"));
        assertEquals(calls, header(letter, "tidewater.error.topic"));
        assertEquals(String.valueOf(at.partition()), header(letter, "tidewater.error.partition"));
        assertEquals(String.valueOf(at.offset()), header(letter, "tidewater.error.offset"));
        assertTrue(header(letter, "tidewater.error.message").contains("over the limit"), header(letter, "tidewater.error.message"));
        assertTrue(letter.value().length < 64 * 1024);
        assertArrayEquals(Arrays.copyOf(huge, letter.value().length), letter.value(), "its first bytes");

        // A re-drive reads the whole record from its source (still too large here: it comes back, counted, with the full size).
        replay().redrive(calls, "", "", "");
        await().atMost(WAIT).until(() -> replay().getActive() == 0);
        List<ConsumerRecord<String, byte[]>> again = deadLetters(calls, 2);
        ConsumerRecord<String, byte[]> back = again.stream().filter(r -> "1".equals(header(r, "tidewater.redrive.count"))).findFirst().orElseThrow();
        assertTrue(header(back, "tidewater.error.message").contains("event is " + huge.length + " bytes"), header(back, "tidewater.error.message"));
        assertEquals(String.valueOf(at.offset()), header(back, "tidewater.error.offset"));
        assertEquals(0, loaded(big));
    }

    /**
     * A record of the flow's own topic that carries a dead letter's headers (a producer's own, or copied) is its own
     * value: only a re-driven dead letter of this flow is read again from the source its headers name.
     */
    @Test
    void aRecordWithADeadLettersHeadersIsItsOwnValue() throws Exception {
        String elsewhere = UUID.randomUUID().toString();
        String own = UUID.randomUUID().toString();
        String other = calls + ".other";
        Topics.ensure(other);
        RecordMetadata at = send(other, "1", call(elsewhere, 7), "none");
        try (KafkaProducer<String, byte[]> producer = bytesProducer("none")) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(calls, "1", call(own, 8));
            record.headers().add("tidewater.error.size", "999".getBytes(StandardCharsets.UTF_8))
                    .add("tidewater.error.topic", other.getBytes(StandardCharsets.UTF_8))
                    .add("tidewater.error.partition", String.valueOf(at.partition()).getBytes(StandardCharsets.UTF_8))
                    .add("tidewater.error.offset", String.valueOf(at.offset()).getBytes(StandardCharsets.UTF_8));
            producer.send(record).get();
        }
        await().atMost(WAIT).until(() -> loaded(own) == 1);
        assertEquals(8, ((Number) warehouse.rows("SELECT duration_sec FROM fact_call WHERE event_id = '" + own + "'").get(0)
                .get("duration_sec")).intValue());
        assertEquals(0, loaded(elsewhere));
    }

    @Test
    void aDeadLetterThatCannotBeWrittenMakesTheFlowDownUntilItCanBe() throws Exception {
        HealthCheck health = new FlowHealthChecks(context, context.getRegistry().findSingleByType(Flows.class),
                context.getRegistry().findSingleByType(PipelineStats.class), Map::of).stream()
                .filter(c -> c.getId().equals("flow-events-calls")).findFirst().orElseThrow();
        String first = UUID.randomUUID().toString();
        send(calls, "1", call(first, 10), "none");
        await().atMost(WAIT).until(() -> loaded(first) == 1);
        assertEquals(HealthCheck.State.UP, health.call().getState());

        // The dead-letter topic refuses anything over 100 bytes: the batch with a bad record cannot move.
        setMaxMessageBytes(calls + ".dlq", "100");
        String blocked = UUID.randomUUID().toString();
        send(calls, "1", "{\"not\":\"a call\"}".getBytes(StandardCharsets.UTF_8), "none");
        send(calls, "1", call(blocked, 30), "none");
        await().atMost(WAIT).until(() -> health.call().getState() == HealthCheck.State.DOWN);
        String why = health.call().getMessage().orElse("");
        assertTrue(why.contains("events-calls") && why.contains("RecordTooLarge"), why);
        assertEquals(0, loaded(blocked), "nothing moves past a dead letter not written");

        setMaxMessageBytes(calls + ".dlq", "1048588");
        await().atMost(WAIT).until(() -> loaded(blocked) == 1);
        await().atMost(WAIT).until(() -> health.call().getState() == HealthCheck.State.UP);
        assertEquals(1, deadLetters(calls, 1).size());
    }

    private static void setMaxMessageBytes(String topic, String bytes) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.get().bootstrapServers()))) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(r, List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bytes),
                    AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new IllegalArgumentException("no such byte");
    }
}
