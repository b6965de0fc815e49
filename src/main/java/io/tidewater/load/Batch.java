package io.tidewater.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.tidewater.flow.DimensionKey;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.Parameters;
import io.tidewater.warehouse.RefusedInput;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * One polled batch of a flow, from its consumer's prepare route to its commit by the flow's write route, carried
 * through both as the exchange property {@value #PROPERTY}. Prepared ({@link LoadBatch}): the flow it was prepared for,
 * its records, the invalid ones as dead letters, and the parameters its statement binds ({@link Parameters}): the
 * valid records' columns and the batch's position. Written: its lookups' surrogate keys ({@link #resolve}), the
 * statement it was given, and the Kafka commit that follows.
 */
public final class Batch {

    /** The exchange property that carries the batch through the load routes. */
    public static final String PROPERTY = "tidewaterBatch";

    /** What the batch is to the search for records the warehouse refuses ({@link BatchIsolation}). */
    public enum Role {
        /** As polled, or a range of a replay. */
        POLLED,
        /** Part of a refused batch, tried: its statement runs and is rolled back whatever happens. */
        TRIAL,
        /** A refused batch written without the records found, or a part of one written for real. */
        ISOLATED
    }

    private final FlowSpec flow;
    private final List<org.apache.camel.Exchange> records;
    private final String route;
    private final Role role;
    private final Map<String, Object> parameters = new HashMap<>();
    private final List<Message> deadLetters = new ArrayList<>();
    private final List<String> partitions = new ArrayList<>();
    private final List<Object[]> lookupValues = new ArrayList<>();
    private long[] eventTimes = new long[0];
    private int rows;
    private int rounds = 1;
    private boolean writeThrough;
    private FlowSpec columns;
    private volatile String prepared;
    private volatile String given;
    private volatile KafkaManualCommit commit;
    private volatile boolean handedOver;
    private volatile RefusedInput lookupRefused;

    /**
     * flow: the declaration the batch is prepared for; records: as polled; route: the route of the consumer that polled
     * them (its statistics and health count the batch).
     */
    Batch(FlowSpec flow, List<org.apache.camel.Exchange> records, String route, Role role) {
        this.flow = flow;
        this.records = List.copyOf(records);
        this.route = route;
        this.role = role;
    }

    /** The flow's declaration the batch was prepared for: its parameters are that declaration's. */
    public FlowSpec flow() {
        return flow;
    }

    public String flowName() {
        return flow.name();
    }

    /** The polled records (each a Kafka record's exchange), in offset order per partition. */
    public List<org.apache.camel.Exchange> records() {
        return records;
    }

    public String route() {
        return route;
    }

    public Role role() {
        return role;
    }

    /** The named parameters of the batch's statement, as bound. */
    public Map<String, Object> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Binds a parameter of the statement. */
    public void bind(String name, Object value) {
        parameters.put(name, value);
    }

    /** The batch's invalid records, as the messages for their dead-letter topics. */
    public List<Message> deadLetters() {
        return deadLetters;
    }

    /** The source topic of each dead letter. */
    public List<String> deadLetterTopics() {
        return deadLetters.stream().map(m -> m.getHeader(DeadLetters.ERROR_TOPIC, String.class)).toList();
    }

    void deadLetter(Message deadLetter) {
        deadLetters.add(deadLetter);
    }

    /** The batch's partitions ("topic/partition", as etl_offsets and the offset repository key them). */
    public List<String> partitions() {
        return partitions;
    }

    /** The position of the batch: the next offset of each partition it read, recorded under this consumer group. */
    void position(String group, Map<String, long[]> next) {
        String[] topics = new String[next.size()];
        Integer[] parts = new Integer[next.size()];
        Long[] offsets = new Long[next.size()];
        int i = 0;
        for (Map.Entry<String, long[]> e : next.entrySet()) {
            partitions.add(e.getKey());
            topics[i] = e.getKey().substring(0, e.getKey().lastIndexOf('/'));
            parts[i] = (int) e.getValue()[0];
            offsets[i] = e.getValue()[1];
            i++;
        }
        bind(Parameters.GROUP, group);
        bind(Parameters.TOPICS, topics);
        bind(Parameters.PARTITIONS, parts);
        bind(Parameters.NEXT_OFFSETS, offsets);
    }

    /** The consumer group the batch's position is recorded under. */
    public String group() {
        return (String) parameters.get(Parameters.GROUP);
    }

    /** Each record's Kafka timestamp (for the end-to-end latency). */
    public long[] eventTimes() {
        return eventTimes;
    }

    void eventTimes(long[] times) {
        this.eventTimes = times;
    }

    /** The rows the batch writes. */
    public int rows() {
        return rows;
    }

    /** A dimension's rounds (each changes a key at most once); 1 for the other kinds. */
    public int rounds() {
        return rounds;
    }

    /** Whether the members a dimension batch touched are read back for its cache once it is written. */
    public boolean writeThrough() {
        return writeThrough;
    }

    /** A mirror's batch: its flow with the columns its records carry, which its table and statement follow. */
    public FlowSpec columns() {
        return columns;
    }

    void bound(int rows, int rounds, boolean writeThrough, FlowSpec columns) {
        this.rows = rows;
        this.rounds = rounds;
        this.writeThrough = writeThrough;
        this.columns = columns;
    }

    /** The natural keys each row looks up, per lookup of the flow (aligned with the rows; null for a delete). */
    public List<Object[]> lookupValues() {
        return lookupValues;
    }

    void lookup(Object[] values) {
        lookupValues.add(values);
        bind(Parameters.surrogateKeys(lookupValues.size() - 1), new Long[values.length]);
        bind(Parameters.inferredKeys(lookupValues.size() - 1), new Long[0]);
    }

    /** The warehouse's refusal of a key one of the batch's lookups asked it for (a data error), or null. */
    public RefusedInput lookupRefused() {
        return lookupRefused;
    }

    void lookupRefused(RefusedInput refusal) {
        this.lookupRefused = refusal;
    }

    /** How many lookups the batch resolves. */
    public int lookupCount() {
        return lookupValues.size();
    }

    /**
     * Binds the surrogate key of each row for a lookup, from what its dimension answered, and the inferred members among
     * them (cached without a source LSN), which a fact batch that rolls up locks.
     */
    public void resolve(int lookup, Map<Object, DimensionKey> keys) {
        Object[] values = lookupValues.get(lookup);
        Long[] surrogate = new Long[values.length];
        Set<Long> inferred = new LinkedHashSet<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                continue;     // a delete: nothing to look up
            }
            DimensionKey k = keys.get(values[i]);
            if (k == null) {
                throw new IllegalStateException("No dimension row for " + values[i] + " (flow " + flow.name() + ", lookup "
                        + lookup + "); the batch is tried again");
            }
            surrogate[i] = k.key();
            if (k.lsn() == 0) {
                inferred.add(k.key());
            }
        }
        bind(Parameters.surrogateKeys(lookup), surrogate);
        bind(Parameters.inferredKeys(lookup), inferred.toArray(Long[]::new));
    }

    /** The statement made for the batch when it was prepared: written with if the flows around it changed since so much that none can be made now. */
    public String prepared() {
        return prepared;
    }

    void prepared(String statement) {
        this.prepared = statement;
    }

    /** The statement the write route was last given for the batch (replaced on a retry, see {@link RetriedStatement}). */
    public String given() {
        return given;
    }

    void given(String statement) {
        this.given = statement;
    }

    /** The Kafka commit of the polled batch, sent once it is written (none for a part of one). */
    public KafkaManualCommit commit() {
        return commit;
    }

    void commit(KafkaManualCommit commit) {
        this.commit = commit;
    }

    /** Whether the consumer that polled it handed it to a writer ({@link FlowPipeline}). */
    public boolean handedOver() {
        return handedOver;
    }

    void handOver() {
        this.handedOver = true;
    }
}
