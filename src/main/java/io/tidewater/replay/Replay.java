package io.tidewater.replay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/** One replay and where it stands: its legs, each partition's position, its routes while it runs. */
final class Replay {

    private static final String POSITIONS = "SELECT partition, next_offset FROM etl_offsets WHERE consumer_group = ? AND topic = ?";

    final int id;
    /** live replay, side replay, or redrive (a side replay of dead-letter topics). */
    final String kind;
    final boolean side;
    final List<ReplayService.Leg> legs;
    final Map<String, ReplayService.LoadTopic> loads;
    final Instant started = Instant.now();
    final Map<String, Long> positions = new java.util.concurrent.ConcurrentHashMap<>();
    final List<String> sideRoutes = new ArrayList<>();
    final List<String> repositories = new ArrayList<>();
    volatile String state = "RUNNING";
    /** Set once every topic has been moved back (live) or its route added (side); progress counts from then. */
    volatile boolean armed;

    Replay(int id, String kind, List<ReplayService.Leg> legs, Map<String, ReplayService.LoadTopic> loads) {
        this.id = id;
        this.kind = kind;
        this.side = !kind.equals("live replay");
        this.legs = legs;
        this.loads = loads;
        legs.forEach(l -> positions.put(l.topic() + "/" + l.partition(), l.start()));
    }

    boolean running() {
        return state.equals("RUNNING");
    }

    List<String> topics() {
        return legs.stream().map(ReplayService.Leg::topic).distinct().toList();
    }

    /** The records of a polled batch inside the replay's range; the position of each partition read advances. */
    List<Exchange> inside(List<Exchange> records) {
        List<Exchange> inside = new ArrayList<>(records.size());
        for (Exchange record : records) {
            String topic = record.getMessage().getHeader(KafkaConstants.TOPIC, String.class);
            int partition = record.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class);
            long offset = record.getMessage().getHeader(KafkaConstants.OFFSET, Long.class);
            ReplayService.Leg leg = leg(topic, partition);
            if (leg != null && offset >= leg.start() && offset < leg.end()) {
                inside.add(record);
            }
            if (leg != null) {
                positions.merge(topic + "/" + partition, Math.min(offset + 1, leg.end()), Math::max);
            }
        }
        return inside;
    }

    ReplayService.Leg leg(String topic, int partition) {
        for (ReplayService.Leg l : legs) {
            if (l.topic().equals(topic) && l.partition() == partition) {
                return l;
            }
        }
        return null;
    }

    /**
     * Reads a running live replay's position from etl_offsets (the load's own position); a side replay's
     * position is kept up to date by its route.
     */
    void refresh(DataSource edw, String group) {
        if (side || !running()) {
            return;
        }
        Map<String, Long> m = new HashMap<>();
        for (String topic : topics()) {
            try (Connection c = edw.getConnection(); PreparedStatement ps = c.prepareStatement(POSITIONS)) {
                ps.setString(1, group);
                ps.setString(2, topic);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        m.put(topic + "/" + rs.getInt(1), rs.getLong(2));
                    }
                }
            } catch (SQLException e) {
                return;
            }
        }
        legs.forEach(l -> positions.put(l.topic() + "/" + l.partition(),
                Math.min(l.end(), Math.max(l.start(), m.getOrDefault(l.topic() + "/" + l.partition(), l.start())))));
    }

    long done() {
        return legs.stream().mapToLong(l -> positions.getOrDefault(l.topic() + "/" + l.partition(), l.start()) - l.start()).sum();
    }

    long remaining() {
        return legs.stream().mapToLong(l -> Math.max(0, l.end() - positions.getOrDefault(l.topic() + "/" + l.partition(), l.start()))).sum();
    }

    String describe() {
        Map<String, List<ReplayService.Leg>> byTopic = legs.stream().collect(Collectors.groupingBy(ReplayService.Leg::topic, LinkedHashMap::new, Collectors.toList()));
        return kind + " of " + byTopic.entrySet().stream().map(e -> e.getKey() + " "
                + e.getValue().stream().map(l -> "[" + l.partition() + ": " + l.start() + ".." + l.end() + ")")
                .collect(Collectors.joining(" "))).collect(Collectors.joining(", "))
                + ", " + legs.stream().mapToLong(ReplayService.Leg::records).sum() + " records";
    }
}
