package io.tidewater.events;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.ops.PipelineStats;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * One polled Kafka batch made ready for a single warehouse transaction: valid records become column arrays bound as
 * named SQL parameters, invalid ones become dead letters, and the batch's next offsets per partition are bound too,
 * so that the rows and the consumer position commit together.
 */
public abstract class LoadBatch<T> {

    public static final String DEAD_LETTERS = "tidewaterDeadLetters";
    public static final String ROWS = "tidewaterRows";
    /** Set by a side replay: the consumer group its position is recorded under instead of the load group. */
    public static final String OFFSET_GROUP = "tidewaterOffsetGroup";

    private final String group;
    private final PipelineStats stats;

    protected LoadBatch(String group, PipelineStats stats) {
        this.group = group;
        this.stats = stats;
    }

    /** Parses one record value; returns null for a record to skip (a tombstone), throws for an invalid one. */
    protected abstract T parse(String value);

    /** Sets the column arrays of the valid records as headers; returns the number of rows they make. */
    protected abstract int toColumns(List<T> rows, Message out);

    public void prepare(@Body List<Exchange> records, Exchange batch) {
        List<T> rows = new ArrayList<>(records.size());
        List<Message> deadLetters = new ArrayList<>();
        List<String> deadLetterTopics = new ArrayList<>();
        Map<String, long[]> next = new LinkedHashMap<>();
        long[] times = new long[records.size()];
        int i = 0;
        for (Exchange record : records) {
            Message in = record.getMessage();
            try {
                T row = parse(in.getBody(String.class));
                if (row != null) {
                    rows.add(row);
                }
            } catch (InvalidEventException e) {
                deadLetters.add(DeadLetters.of(record, e));
                deadLetterTopics.add(in.getHeader(KafkaConstants.TOPIC, String.class));
            }
            Long timestamp = in.getHeader(KafkaConstants.TIMESTAMP, Long.class);
            times[i++] = timestamp == null ? System.currentTimeMillis() : timestamp;
            String topic = in.getHeader(KafkaConstants.TOPIC, String.class);
            int partition = in.getHeader(KafkaConstants.PARTITION, Integer.class);
            long offset = in.getHeader(KafkaConstants.OFFSET, Long.class);
            next.merge(topic + "/" + partition, new long[] {partition, offset + 1},
                    (a, b) -> a[1] >= b[1] ? a : b);
        }
        Message out = batch.getMessage();
        int written = toColumns(rows, out);
        bindOffsets(next, out, out.getHeader(OFFSET_GROUP, group, String.class));
        out.setHeader(DEAD_LETTERS, deadLetters);
        out.setHeader(ROWS, written);
        out.setHeader(PipelineStats.EVENT_TIMES, times);
        stats.polled(batch.getFromRouteId(), records.size(), deadLetterTopics);
    }

    private static void bindOffsets(Map<String, long[]> next, Message out, String group) {
        String[] topics = new String[next.size()];
        Integer[] partitions = new Integer[next.size()];
        Long[] offsets = new Long[next.size()];
        int i = 0;
        for (Map.Entry<String, long[]> e : next.entrySet()) {
            topics[i] = e.getKey().substring(0, e.getKey().lastIndexOf('/'));
            partitions[i] = (int) e.getValue()[0];
            offsets[i] = e.getValue()[1];
            i++;
        }
        out.setHeader("group", group);
        out.setHeader("offTopics", topics);
        out.setHeader("offPartitions", partitions);
        out.setHeader("offNext", offsets);
    }
}
