package io.tidewater.load;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.events.InvalidEventException;
import io.tidewater.flow.FlowSpec;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * How the records of a flow's polled batch become a {@link Batch}: valid records become the column arrays its statement
 * binds, invalid ones become dead letters, and the batch's next offsets per partition are bound too, so that the rows
 * and the consumer position commit together. One per flow declaration; the subclasses bind each kind.
 */
public abstract class LoadBatch<T> {

    /** Record exchange property: the warehouse's error for a record it refused; the record is dead-lettered with it. */
    public static final String REJECTED = "tidewaterRejected";
    /** Record exchange property: the record is already on its way to the dead-letter topic. */
    static final String DEAD_LETTERED = "tidewaterDeadLettered";

    protected final FlowSpec flow;
    private volatile Originals originals;

    protected LoadBatch(FlowSpec flow) {
        this.flow = flow;
    }

    /** The declaration this prepares batches for. */
    public FlowSpec flow() {
        return flow;
    }

    /**
     * Parses one record (its key, and its value's bytes as read); returns null for a record to skip (a tombstone), throws
     * for an invalid one.
     */
    protected abstract T parse(String key, byte[] value);

    /** Binds the valid records' columns (and what else their kind needs) to the batch. */
    protected abstract void bind(List<T> rows, Batch batch);

    /** The records of a polled batch (or a part of one) prepared: read, bound and positioned under the group. */
    public Batch prepare(List<Exchange> records, String route, String group, Batch.Role role) {
        Batch batch = new Batch(flow, records, route, role);
        List<T> rows = new ArrayList<>(records.size());
        Map<String, long[]> next = new LinkedHashMap<>();
        long[] times = new long[records.size()];
        int i = 0;
        // Records of a partition come in a row: its entry is found again only when the partition changes.
        String lastTopic = null;
        int lastPartition = -1;
        long[] last = null;
        for (Exchange record : records) {
            Message in = record.getMessage();
            Throwable rejected = record.getProperty(REJECTED, Throwable.class);
            if (record.getProperty(DEAD_LETTERED) != null) {
                // dead-lettered by an earlier attempt at this batch (it is being split): only its offset counts
            } else if (rejected != null) {
                deadLetter(record, rejected, batch);
            } else {
                try {
                    T row = parse(in.getHeader(KafkaConstants.KEY, String.class), value(in));
                    if (row != null) {
                        rows.add(row);
                    }
                } catch (InvalidEventException e) {
                    deadLetter(record, e, batch);
                } catch (RuntimeException e) {
                    // Reading a record depends on its bytes alone: one that cannot be read is set aside, never retried
                    // with its batch for ever.
                    deadLetter(record, new InvalidEventException("the record could not be read: " + e, e), batch);
                }
            }
            Long timestamp = in.getHeader(KafkaConstants.TIMESTAMP, Long.class);
            times[i++] = timestamp == null ? System.currentTimeMillis() : timestamp;
            String topic = in.getHeader(KafkaConstants.TOPIC, String.class);
            int partition = in.getHeader(KafkaConstants.PARTITION, Integer.class);
            long offset = in.getHeader(KafkaConstants.OFFSET, Long.class);
            if (last == null || partition != lastPartition || !topic.equals(lastTopic)) {
                last = next.computeIfAbsent(topic + "/" + partition, k -> new long[] {partition, offset + 1});
                lastTopic = topic;
                lastPartition = partition;
            }
            last[1] = Math.max(last[1], offset + 1);
        }
        bind(rows, batch);
        batch.position(group, next);
        batch.eventTimes(times);
        return batch;
    }

    /** A batch of these rows alone, with no records or position (for tests and tools that bind rows directly). */
    public Batch bound(List<T> rows) {
        Batch batch = new Batch(flow, List.of(), null, Batch.Role.POLLED);
        bind(rows, batch);
        return batch;
    }

    /** Reads the originals of truncated dead letters being re-driven. */
    public void setOriginals(Originals originals) {
        this.originals = originals;
    }

    /**
     * A record's value as bytes (decoded as strict UTF-8 by the reader: a malformed byte is invalid, never replaced); for
     * a dead letter that kept only a prefix of a larger value, the original, read again from its source topic.
     */
    private byte[] value(Message in) {
        Object body = in.getBody();
        String size = in.getHeader(DeadLetters.ERROR_SIZE, String.class);
        if (size != null && body instanceof byte[] prefix && deadLetterOfThisFlow(in) && prefix.length < Long.parseLong(size.strip())) {
            if (originals == null) {
                throw new InvalidEventException("only the first " + prefix.length + " of this record's " + size + " bytes were kept");
            }
            body = originals.fetch(in.getHeader(DeadLetters.ERROR_TOPIC, String.class),
                    Integer.parseInt(in.getHeader(DeadLetters.ERROR_PARTITION, String.class).strip()),
                    Long.parseLong(in.getHeader(DeadLetters.ERROR_OFFSET, String.class).strip()));
        }
        if (body == null || body instanceof byte[]) {
            return (byte[]) body;
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether a record is one of this flow's dead letters being re-driven: read from the dead-letter topic of the flow's
     * topic, and naming that topic as its source. Any other record is its own value, whatever headers it carries.
     */
    private boolean deadLetterOfThisFlow(Message in) {
        String topic = in.getHeader(KafkaConstants.TOPIC, String.class);
        return flow.topic() != null && (flow.topic() + ".dlq").equals(topic) && flow.topic().equals(in.getHeader(DeadLetters.ERROR_TOPIC, String.class));
    }

    private static void deadLetter(Exchange record, Throwable error, Batch batch) {
        batch.deadLetter(DeadLetters.of(record, error));
        record.setProperty(DEAD_LETTERED, true);
    }

    /** Where a record came from, as topic/partition@offset, for the log. */
    public static String position(Exchange record) {
        Message in = record.getMessage();
        return in.getHeader(KafkaConstants.TOPIC) + "/" + in.getHeader(KafkaConstants.PARTITION) + "@"
                + in.getHeader(KafkaConstants.OFFSET);
    }

}
