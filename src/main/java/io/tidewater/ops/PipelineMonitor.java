package io.tidewater.ops;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer lag per load topic: each partition's end offset minus the load position stored in etl_offsets (the
 * position the consumers resume from). Refreshed by the ops-status route; exposed as the gauge
 * {@code tidewater_consumer_lag{topic}} and through the pipeline MBean.
 */
public class PipelineMonitor implements PipelineMXBean, AutoCloseable {

    public static final String MBEAN = "tidewater:type=pipeline,name=load";
    private static final Logger LOG = LoggerFactory.getLogger(PipelineMonitor.class);
    private static final String POSITIONS = "SELECT topic, partition, next_offset FROM etl_offsets WHERE consumer_group = ?";

    private final PipelineStats stats;
    private final DataSource edw;
    private final String group;
    private final List<String> topics;
    private final MeterRegistry registry;
    private final io.tidewater.kafka.KafkaClients kafka;
    private Admin admin;
    private final Map<String, Long> lag = new ConcurrentHashMap<>();

    public PipelineMonitor(PipelineStats stats, DataSource edw, String group, List<String> topics, String bootstrapServers,
                           MeterRegistry registry) {
        this.stats = stats;
        this.edw = edw;
        this.group = group;
        this.topics = new java.util.concurrent.CopyOnWriteArrayList<>();
        this.registry = registry;
        this.kafka = new io.tidewater.kafka.KafkaClients(bootstrapServers);
        topics.forEach(this::addTopic);
    }

    /** Starts following a load topic (a flow added while running). */
    public void addTopic(String topic) {
        if (topics.contains(topic)) {
            return;
        }
        topics.add(topic);
        lag.put(topic, 0L);
        Gauge.builder("tidewater.consumer.lag", lag, m -> m.getOrDefault(topic, 0L))
                .description("Records in the topic not yet loaded into the EDW").tag("topic", topic).register(registry);
    }

    /** Recomputes the lag of every load topic; a failure keeps the previous figures and is logged. */
    public synchronized void refresh() {
        try {
            if (admin == null) {
                admin = kafka.admin("tidewater-monitor", 5000);
            }
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            described.values().forEach(d -> d.partitions().forEach(
                    p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(request).all().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, Long> positions = positions();
            Map<String, Long> computed = new HashMap<>();
            topics.forEach(t -> computed.put(t, 0L));
            ends.forEach((tp, end) -> computed.merge(tp.topic(), Math.max(0, end.offset() - positions.getOrDefault(tp, 0L)), Long::sum));
            lag.putAll(computed);
        } catch (Exception e) {
            LOG.debug("Lag not refreshed: {}", e.toString());
        }
    }

    private Map<TopicPartition, Long> positions() throws SQLException {
        Map<TopicPartition, Long> positions = new HashMap<>();
        try (Connection c = edw.getConnection(); PreparedStatement ps = c.prepareStatement(POSITIONS)) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    positions.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        }
        return positions;
    }

    @Override
    public long getEventsIn() {
        return stats.eventsIn();
    }

    @Override
    public long getRowsWritten() {
        return stats.rowsWritten();
    }

    @Override
    public long getDeadLetters() {
        return stats.deadLettered();
    }

    @Override
    public long getLag() {
        return lag.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public Map<String, Long> getLagByTopic() {
        return new TreeMap<>(lag);
    }

    @Override
    public String getLastBatchRoute() {
        PipelineStats.LastBatch b = stats.lastBatch();
        return b == null ? "" : b.route();
    }

    @Override
    public int getLastBatchRecords() {
        PipelineStats.LastBatch b = stats.lastBatch();
        return b == null ? 0 : b.records();
    }

    @Override
    public int getLastBatchRows() {
        PipelineStats.LastBatch b = stats.lastBatch();
        return b == null ? 0 : b.rows();
    }

    @Override
    public String getLastBatchCommittedAt() {
        PipelineStats.LastBatch b = stats.lastBatch();
        return b == null ? "" : b.committedAt().toString();
    }

    @Override
    public long getLastBatchMaxLatencyMs() {
        PipelineStats.LastBatch b = stats.lastBatch();
        return b == null ? 0 : b.maxLatencyMs();
    }

    @Override
    public void refreshLag() {
        refresh();
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
