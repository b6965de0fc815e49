package io.tidewater.load;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.Flows;
import io.tidewater.ops.PipelineStats;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * The prepare step of the load routes: a polled batch of a flow made a {@link Batch} (validation, bound columns, dead
 * letters, position, and the statement it would be written with now), by the {@link LoadBatch} of the flow's current
 * declaration.
 */
public class Batches {

    private final Flows flows;
    private final int maxBytes;
    private final String group;
    private final PipelineStats stats;
    private final Map<String, LoadBatch<?>> byFlow = new ConcurrentHashMap<>();
    private volatile Originals originals;

    /** group: the consumer group the load's positions are recorded under. */
    public Batches(Flows flows, int maxBytes, String group, PipelineStats stats) {
        this.flows = flows;
        this.maxBytes = maxBytes;
        this.group = group;
        this.stats = stats;
    }

    /** Where re-driven dead letters that kept only a prefix of their record find the original. */
    public void setOriginals(Originals originals) {
        this.originals = originals;
        byFlow.values().forEach(b -> b.setOriginals(originals));
    }

    /** The batch preparation of a declaration: made once per declaration, again when the flow is declared anew. */
    public LoadBatch<?> of(FlowSpec f) {
        LoadBatch<?> batch = byFlow.get(f.name());
        if (batch == null || !batch.flow().equals(f)) {
            batch = f.kind() == FlowSpec.Kind.MIRROR ? new MirrorBatch(f, maxBytes) : new FlowBatch(f, maxBytes);
            batch.setOriginals(originals);
            byFlow.put(f.name(), batch);
        }
        return batch;
    }

    /** A consumer's polled batch of a flow (the body: its records), as the exchange's {@value Batch#PROPERTY}. */
    public void prepare(Exchange polled, String flow) {
        prepare(polled, flow, group);
    }

    /** The same, its position recorded under this consumer group (a side replay's). */
    @SuppressWarnings("unchecked")
    public void prepare(Exchange polled, String flow, String positionGroup) {
        List<Exchange> records = polled.getMessage().getBody(List.class);
        Batch batch = of(flows.flow(flow)).prepare(records, polled.getFromRouteId(), positionGroup, Batch.Role.POLLED);
        batch.commit(polled.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class));
        batch.prepared(statement(batch));
        stats.polled(batch.route(), records.size(), batch.deadLetterTopics());
        polled.setProperty(Batch.PROPERTY, batch);
    }

    /** The batch's invalid records, as the messages for their dead-letter topics (the load-dead-letters route's split). */
    public List<Message> deadLetters(@ExchangeProperty(Batch.PROPERTY) Batch batch) {
        return batch.deadLetters();
    }

    /**
     * Part of a refused batch, prepared again by the declaration the batch was prepared for: records refused since are
     * dead letters now, and the part records its own position.
     */
    public Batch part(Batch batch, List<Exchange> records, Batch.Role role) {
        FlowSpec now = flows.all().get(batch.flowName());
        Batch part = of(now != null ? now : batch.flow()).prepare(records, batch.route(), batch.group(), role);
        part.prepared(statement(part));
        // Counted as polled with its batch; its dead letters are new.
        stats.polled(part.route(), 0, part.deadLetterTopics());
        return part;
    }

    /** The statement of a batch as the flows are declared now (a mirror's follows its batch's columns), or null if none can be made. */
    private String statement(Batch batch) {
        try {
            return batch.columns() != null ? flows.statements().statement(batch.flowName(), 1, batch.columns())
                    : flows.statements().statementFor(batch.flowName(), batch.rounds());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
