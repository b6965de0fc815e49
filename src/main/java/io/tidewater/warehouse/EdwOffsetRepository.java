package io.tidewater.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.apache.camel.spi.StateRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * Where load consumers resume: camel-kafka asks this repository on every partition assignment and seeks to the answer,
 * which comes from edw.etl_offsets, written in the same transaction as the batch's rows. Writes are no-ops here for
 * that reason: the Kafka commit that follows only keeps lag tools accurate.
 */
public class EdwOffsetRepository extends ServiceSupport implements StateRepository<String, String> {

    static final String READ = "SELECT next_offset FROM etl_offsets WHERE consumer_group = ? AND topic = ? AND partition = ?";

    private final DataSource edw;
    private final String group;
    /** How often each partition ("topic/partition") was sought to its position here. */
    private final Map<String, AtomicLong> seeks = new ConcurrentHashMap<>();

    public EdwOffsetRepository(DataSource edw, String group) {
        this.edw = edw;
        this.group = group;
    }

    /**
     * How many times a partition ("topic/partition") was assigned and sought to its position in etl_offsets: a batch
     * polled before the last of them will be polled again, whoever owns the partition now.
     */
    public long seeks(String key) {
        AtomicLong n = seeks.get(key);
        return n == null ? 0 : n.get();
    }

    /** Key "topic/partition"; the answer is the last loaded offset, as camel-kafka seeks to it plus one. */
    @Override
    public String getState(String key) {
        seeks.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        int slash = key.lastIndexOf('/');
        String topic = key.substring(0, slash);
        int partition = Integer.parseInt(key.substring(slash + 1));
        try (Connection c = edw.getConnection(); PreparedStatement ps = c.prepareStatement(READ)) {
            ps.setString(1, group);
            ps.setString(2, topic);
            ps.setInt(3, partition);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? String.valueOf(rs.getLong(1) - 1) : null;
            }
        } catch (SQLException e) {
            // Without the stored position the consumer must not start from a guess.
            throw new IllegalStateException("Cannot read the load position of " + key + " from etl_offsets", e);
        }
    }

    @Override
    public void setState(String key, String value) {
        // The position is written with the batch, in the same warehouse transaction.
    }
}
