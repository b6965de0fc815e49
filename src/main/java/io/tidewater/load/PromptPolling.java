package io.tidewater.load;

import java.time.Duration;
import java.util.Properties;

import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The Kafka clients of the flows' consumers (the flow-source route's {@code kafkaClientFactory}). camel-kafka's batching
 * consumer hands the records of a poll on when a later poll returns and the batching interval has passed: after a poll
 * that brought records, the next one waits for new records or its whole timeout. Here it returns at once instead
 * (a poll of no time), so a batch is handed on as soon as it is polled once the batching interval has passed; an idle
 * consumer still waits its poll timeout between polls.
 */
public class PromptPolling extends DefaultKafkaClientFactory {

    @Override
    public Consumer getConsumer(Properties kafkaProps) {
        return new PromptConsumer<>(kafkaProps);
    }

    /** A consumer whose poll after one that returned records does not wait. One per consumer thread, as any consumer. */
    static final class PromptConsumer<K, V> extends KafkaConsumer<K, V> {

        private boolean held;

        PromptConsumer(Properties props) {
            super(props);
        }

        @Override
        public ConsumerRecords<K, V> poll(Duration timeout) {
            ConsumerRecords<K, V> records = super.poll(held ? Duration.ZERO : timeout);
            held = !records.isEmpty();
            return records;
        }
    }
}
