package io.tidewater.load;

import org.apache.camel.Header;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/** Commits a batch's Kafka offsets, called only after the batch is committed in the warehouse. */
public class BatchCommit {

    public void commit(@Header(KafkaConstants.MANUAL_COMMIT) KafkaManualCommit commit) {
        if (commit == null) {
            throw new IllegalStateException("No Kafka commit handle on the batch; set allowManualCommit=true on the consumer");
        }
        commit.commit();
    }
}
