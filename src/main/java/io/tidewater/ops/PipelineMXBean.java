package io.tidewater.ops;

import java.util.Map;

/** The load pipeline in JMX, at {@code tidewater:type=pipeline,name=load}. */
public interface PipelineMXBean {

    long getEventsIn();

    long getRowsWritten();

    long getDeadLetters();

    /** Records in Kafka not yet loaded, over all load topics (end offset minus the position in etl_offsets). */
    long getLag();

    Map<String, Long> getLagByTopic();

    String getLastBatchRoute();

    int getLastBatchRecords();

    int getLastBatchRows();

    String getLastBatchCommittedAt();

    long getLastBatchMaxLatencyMs();

    /** Recomputes the lag now instead of waiting for the next refresh. */
    void refreshLag();
}
