package io.tidewater.load;

import java.time.Duration;
import java.util.List;

import io.tidewater.events.InvalidEventException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The original of a dead letter that was too large to copy whole: read again from its source topic, partition and offset
 * while the topic retains it, so a re-drive applies the record itself and not its prefix.
 */
public class Originals {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final String bootstrapServers;

    public Originals(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The value of the record at topic/partition@offset; an invalid event when the topic no longer holds it. */
    public byte[] fetch(String topic, int partition, long offset) {
        TopicPartition tp = new TopicPartition(topic, partition);
        try (KafkaConsumer<byte[], byte[]> consumer = new io.tidewater.kafka.KafkaClients(bootstrapServers).reader(1, 64 * 1024 * 1024)) {
            consumer.assign(List.of(tp));
            Long first = consumer.beginningOffsets(List.of(tp), WAIT).get(tp);
            if (first == null || offset < first) {
                throw new InvalidEventException("the original of this dead letter (" + topic + "/" + partition + "@" + offset
                        + ") is no longer retained by its topic");
            }
            consumer.seek(tp, offset);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() == offset) {
                        return r.value();
                    }
                    throw new InvalidEventException("the original of this dead letter (" + topic + "/" + partition + "@" + offset
                            + ") is no longer in its topic");
                }
            }
            throw new IllegalStateException("Could not read the original of a dead letter from " + topic + "/" + partition + "@" + offset);
        }
    }
}
