package io.tidewater.events;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.ops.PipelineStats;
import io.tidewater.warehouse.BatchIsolation;
import io.tidewater.warehouse.WarehouseErrors;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.ExchangeHelper;

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
    /** Exchange property: the polled records of the batch, kept for splitting it when the warehouse refuses some. */
    public static final String RECORDS = "tidewaterRecords";
    /** Record exchange property: the warehouse's error for a record it refused; the record is dead-lettered with it. */
    public static final String REJECTED = "tidewaterRejected";
    /** Record exchange property: the record is already on its way to the dead-letter topic. */
    static final String DEAD_LETTERED = "tidewaterDeadLettered";

    private final String group;
    private final PipelineStats stats;
    private volatile Originals originals;

    protected LoadBatch(String group, PipelineStats stats) {
        this.group = group;
        this.stats = stats;
    }

    /** Parses one record (its key and value); returns null for a record to skip (a tombstone), throws for an invalid one. */
    protected abstract T parse(String key, String value);

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
            Throwable rejected = record.getProperty(REJECTED, Throwable.class);
            if (record.getProperty(DEAD_LETTERED) != null) {
                // dead-lettered by an earlier attempt at this batch (it is being split): only its offset counts
            } else if (rejected != null) {
                deadLetter(record, rejected, deadLetters, deadLetterTopics);
            } else {
                try {
                    T row = parse(in.getHeader(KafkaConstants.KEY, String.class), value(in));
                    if (row != null) {
                        rows.add(row);
                    }
                } catch (InvalidEventException e) {
                    deadLetter(record, e, deadLetters, deadLetterTopics);
                } catch (RuntimeException e) {
                    // Reading a record depends on its bytes alone: one that cannot be read is set aside, never retried
                    // with its batch for ever.
                    deadLetter(record, new InvalidEventException("the record could not be read: " + e, e), deadLetters, deadLetterTopics);
                }
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
        batch.setProperty(RECORDS, records);
        batch.setProperty(WarehouseErrors.ISOLATE_IN, ExchangeHelper.getRouteId(batch));
        // A piece of a split batch was counted as polled with its batch; its dead letters are new.
        boolean piece = batch.getProperty(BatchIsolation.PIECE) != null;
        stats.polled(batch.getFromRouteId(), piece ? 0 : records.size(), deadLetterTopics);
    }

    /** Reads the originals of truncated dead letters being re-driven. */
    public void setOriginals(Originals originals) {
        this.originals = originals;
    }

    /**
     * A record's value as text: its bytes decoded as strict UTF-8 (a malformed byte is invalid, never replaced); for a
     * dead letter that kept only a prefix of a larger value, the original, read again from its source topic.
     */
    private String value(Message in) {
        Object body = in.getBody();
        String size = in.getHeader(DeadLetters.ERROR_SIZE, String.class);
        if (size != null && body instanceof byte[] prefix && prefix.length < Long.parseLong(size.strip())) {
            if (originals == null) {
                throw new InvalidEventException("only the first " + prefix.length + " of this record's " + size + " bytes were kept");
            }
            body = originals.fetch(in.getHeader(DeadLetters.ERROR_TOPIC, String.class),
                    Integer.parseInt(in.getHeader(DeadLetters.ERROR_PARTITION, String.class).strip()),
                    Long.parseLong(in.getHeader(DeadLetters.ERROR_OFFSET, String.class).strip()));
        }
        return Utf8.strict(body);
    }

    private static void deadLetter(Exchange record, Throwable error, List<Message> deadLetters, List<String> topics) {
        Message dlq = DeadLetters.of(record, error);
        deadLetters.add(dlq);
        topics.add(dlq.getHeader(DeadLetters.ERROR_TOPIC, String.class));
        record.setProperty(DEAD_LETTERED, true);
    }

    /** Where a record came from, as topic/partition@offset, for the log. */
    public static String position(Exchange record) {
        Message in = record.getMessage();
        return in.getHeader(KafkaConstants.TOPIC) + "/" + in.getHeader(KafkaConstants.PARTITION) + "@"
                + in.getHeader(KafkaConstants.OFFSET);
    }

    /** The partitions ("topic/partition", as etl_offsets and the offset repository key them) of a prepared batch. */
    public static List<String> partitions(Message prepared) {
        String[] topics = prepared.getHeader("offTopics", String[].class);
        Integer[] partitions = prepared.getHeader("offPartitions", Integer[].class);
        List<String> keys = new ArrayList<>(topics.length);
        for (int i = 0; i < topics.length; i++) {
            keys.add(topics[i] + "/" + partitions[i]);
        }
        return keys;
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
