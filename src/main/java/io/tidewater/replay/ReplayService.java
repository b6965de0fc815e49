package io.tidewater.replay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.tidewater.events.LoadBatch;
import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans, starts and follows replays. A request is checked completely against Kafka before anything changes; then a
 * live replay runs the replay-live route (stop the load route, rewrite etl_offsets and the group's Kafka offsets,
 * start the route), and a side replay adds a route from the replay-side template that reads exactly the range under
 * its own group and removes itself at the end. Progress is logged by the replay-progress route and shown in JMX.
 */
public class ReplayService implements ReplayMXBean, CamelContextAware, AutoCloseable {

    public static final String MBEAN = "tidewater:type=replay";
    public static final String REPLAY_ID = "tidewaterReplayId";
    private static final Logger LOG = LoggerFactory.getLogger(ReplayService.class);
    private static final String POSITIONS = "SELECT partition, next_offset FROM etl_offsets WHERE consumer_group = ? AND topic = ?";

    /** One load topic: the route that loads it and the route that applies its batches. */
    public record LoadTopic(String topic, String route, String apply) {
    }

    /** One partition's range, [start, end). */
    public record Leg(String topic, int partition, long start, long end) {
        long records() {
            return end - start;
        }
    }

    private final DataSource edw;
    private final String group;
    private final String instanceId;
    private final Map<String, LoadTopic> topics = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    /** Each load topic's dead-letter topic, re-driven through that topic's apply route. */
    private final Map<String, LoadTopic> deadLetterTopics = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final Properties adminProps = new Properties();
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Replay> replays = new ConcurrentSkipListMap<>();
    private final ExecutorService stopper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tidewater-replay-stop");
        t.setDaemon(true);
        return t;
    });
    private CamelContext context;
    private Admin admin;
    private volatile java.util.function.Supplier<Map<String, Long>> lagByTopic;

    public ReplayService(DataSource edw, String group, String instanceId, List<LoadTopic> loadTopics, String bootstrapServers) {
        this.edw = edw;
        this.group = group;
        this.instanceId = instanceId;
        loadTopics.forEach(t -> topics.put(t.topic(), t));
        loadTopics.forEach(t -> deadLetterTopics.put(t.topic() + ".dlq", new LoadTopic(t.topic() + ".dlq", t.route(), t.apply())));
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "tidewater-replay");
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.context = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(adminProps);
        }
        return admin;
    }

    // ---- requests ------------------------------------------------------------------------------------------------

    @Override
    public String replay(String topicList, String partitions, String from, String to, String mode) {
        ReplayRequest request = ReplayRequest.parse(topicList, partitions, from, to, mode);
        return start(request, request.side() ? "side replay" : "live replay", topics);
    }

    @Override
    public String redrive(String topicList, String partitions, String from, String to) {
        if (topicList == null || topicList.isBlank()) {
            throw new ReplayException("name the load topic whose dead letters to re-drive, e.g. " + topics.keySet().iterator().next());
        }
        List<String> dlqs = new ArrayList<>();
        for (String topic : topicList.split(",")) {
            String t = topic.strip();
            if (!topics.containsKey(t)) {
                throw new ReplayException("topic '" + t + "' is not loaded by Tidewater; load topics: " + topics.keySet());
            }
            dlqs.add(t + ".dlq");
        }
        ReplayRequest request = ReplayRequest.parse(String.join(",", dlqs), partitions,
                from == null || from.isBlank() ? "beginning" : from, to, "side");
        return start(request, "redrive", deadLetterTopics);
    }

    /** Plans a request against the given topics and starts it; refused requests change nothing. */
    private String start(ReplayRequest request, String kind, Map<String, LoadTopic> known) {
        Replay replay;
        synchronized (this) {
            for (String topic : request.topics()) {
                for (Replay r : replays.values()) {
                    if (r.running() && r.topics().contains(topic)) {
                        throw new ReplayException("replay " + r.id + " of " + topic + " is still running ("
                                + r.remaining() + " records remaining); wait for it to finish");
                    }
                }
            }
            List<Leg> legs = plan(request, known);
            if (!request.side()) {
                request.topics().forEach(this::requireOnlyOwnConsumers);
            }
            replay = new Replay(ids.incrementAndGet(), kind, legs, known);
            replays.put(replay.id, replay);
        }
        LOG.info("Replay {} requested: {}", replay.id, replay.describe());
        try {
            if (replay.side) {
                startSide(replay);
                replay.armed = true;
            } else {
                for (String topic : replay.topics()) {
                    startLive(replay, topic);
                }
                replay.armed = true;
            }
        } catch (RuntimeException e) {
            replay.state = "FAILED: " + rootMessage(e);
            LOG.error("Replay {} failed: {}", replay.id, rootMessage(e));
            throw new ReplayException("replay " + replay.id + " failed: " + rootMessage(e));
        }
        return "Replay " + replay.id + " started: " + replay.describe();
    }

    /** Resolves the request against the topics' current offsets; throws ReplayException, changing nothing. */
    List<Leg> plan(ReplayRequest request) {
        return plan(request, topics);
    }

    private List<Leg> plan(ReplayRequest request, Map<String, LoadTopic> known) {
        if (request.from().time() != null && request.to() != null && request.to().time() != null
                && request.from().time().isAfter(request.to().time())) {
            throw new ReplayException("the start " + request.from() + " is after the end " + request.to());
        }
        List<Leg> legs = new ArrayList<>();
        for (String topic : request.topics()) {
            Map<String, TopicDescription> described;
            try {
                described = admin().describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new ReplayException("unknown topic '" + topic + "'");
                }
                throw new ReplayException("cannot describe topic '" + topic + "': " + rootMessage(e));
            } catch (Exception e) {
                throw new ReplayException("cannot describe topic '" + topic + "': " + rootMessage(e));
            }
            if (!known.containsKey(topic)) {
                throw new ReplayException("topic '" + topic + "' is not loaded by Tidewater; load topics: " + topics.keySet());
            }
            List<Integer> all = described.get(topic).partitions().stream().map(p -> p.partition()).sorted().toList();
            List<Integer> chosen = request.partitions().isEmpty() ? all : request.partitions().stream().sorted().toList();
            for (int p : chosen) {
                if (!all.contains(p)) {
                    throw new ReplayException("topic '" + topic + "' has no partition " + p + " (it has " + all + ")");
                }
            }
            Map<Integer, Long> earliest = offsets(topic, chosen, OffsetSpec.earliest());
            Map<Integer, Long> latest = offsets(topic, chosen, OffsetSpec.latest());
            for (int p : chosen) {
                long start = resolve(request.from(), topic, p, earliest.get(p), latest.get(p), "start");
                long end = request.to() == null ? latest.get(p) : resolve(request.to(), topic, p, earliest.get(p), latest.get(p), "end");
                if (start > end) {
                    throw new ReplayException("the start (offset " + start + ") is after the end (offset " + end + ") on "
                            + topic + "-" + p);
                }
                legs.add(new Leg(topic, p, start, end));
            }
        }
        if (legs.stream().mapToLong(Leg::records).sum() == 0) {
            throw new ReplayException("nothing to replay: no records between " + request.from() + " and "
                    + (request.to() == null ? "the end" : request.to().toString()));
        }
        return legs;
    }

    private long resolve(ReplayRequest.Position pos, String topic, int p, long earliest, long latest, String what) {
        if (pos.beginning()) {
            return earliest;
        }
        if (pos.offset() != null) {
            long o = pos.offset();
            if (o > latest) {
                throw new ReplayException("the " + what + " offset " + o + " is past the end of " + topic + "-" + p
                        + " (its next offset is " + latest + ")");
            }
            if (o < earliest) {
                throw new ReplayException("the " + what + " offset " + o + " is before the earliest retained offset " + earliest
                        + " of " + topic + "-" + p);
            }
            return o;
        }
        long at = offsets(topic, List.of(p), OffsetSpec.forTimestamp(pos.time().toEpochMilli())).get(p);
        return at < 0 ? latest : at;
    }

    private Map<Integer, Long> offsets(String topic, List<Integer> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(new TopicPartition(topic, p), spec));
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin().listOffsets(request).all().get(10, TimeUnit.SECONDS);
            Map<Integer, Long> m = new HashMap<>();
            r.forEach((tp, info) -> m.put(tp.partition(), info.offset()));
            return m;
        } catch (Exception e) {
            throw new ReplayException("cannot read the offsets of '" + topic + "': " + rootMessage(e));
        }
    }

    // ---- live replay (routes/replay-live.camel.yaml) ------------------------------------------------------------

    /**
     * A live replay moves the position of this instance's load route only: with other load instances in the topic's
     * group it is refused, naming them, before anything changes (their writes would undo the rewind).
     */
    private void requireOnlyOwnConsumers(String topic) {
        LoadTopic load = topics.get(topic);
        String consumerGroup = group + "." + load.route();
        String own = load.route() + "-" + instanceId;
        List<String> others;
        try {
            others = admin().describeConsumerGroups(List.of(consumerGroup)).all().get(10, TimeUnit.SECONDS).get(consumerGroup)
                    .members().stream().filter(m -> !m.clientId().startsWith(own))
                    .map(m -> m.clientId() + " on " + m.host()).sorted().toList();
        } catch (Exception e) {
            throw new ReplayException("cannot describe consumer group '" + consumerGroup + "': " + rootMessage(e));
        }
        if (!others.isEmpty()) {
            throw new ReplayException("a live replay of " + topic + " would move only this instance (" + instanceId
                    + "), but other load instances consume it too: " + String.join(", ", others)
                    + "; stop them for the replay, or ask for a side replay (--side)");
        }
    }

    private void startLive(Replay replay, String topic) {
        LoadTopic load = topics.get(topic);
        List<Leg> legs = replay.legs.stream().filter(l -> l.topic().equals(topic)).toList();
        Map<String, Object> headers = new HashMap<>();
        headers.put(REPLAY_ID, replay.id);
        headers.put("replayRoute", load.route());
        headers.put("replayConsumerGroup", group + "." + load.route());
        headers.put("group", group);
        headers.put("offTopics", legs.stream().map(Leg::topic).toArray(String[]::new));
        headers.put("offPartitions", legs.stream().map(Leg::partition).toArray(Integer[]::new));
        headers.put("offNext", legs.stream().map(Leg::start).toArray(Long[]::new));
        context.createProducerTemplate().requestBodyAndHeaders("direct:replay-live", null, headers);
    }

    /** Sets the load route's consumer group to the replay's start, so that lag tools agree with etl_offsets. */
    public void resetConsumerGroup(@Header("replayConsumerGroup") String consumerGroup, @Header("offTopics") String[] offTopics,
                                   @Header("offPartitions") Integer[] partitions, @Header("offNext") Long[] next) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (int i = 0; i < offTopics.length; i++) {
            offsets.put(new TopicPartition(offTopics[i], partitions[i]), new OffsetAndMetadata(next[i]));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin().alterConsumerGroupOffsets(consumerGroup, offsets).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                // The stopped consumer may take a moment to leave its group.
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(250);
            }
        }
    }

    // ---- side replay (routes/replay-side.camel.yaml) -------------------------------------------------------------

    private void startSide(Replay replay) {
        for (String topic : replay.topics()) {
            LoadTopic load = replay.loads.get(topic);
            String routeId = (replay.kind.equals("redrive") ? "redrive-" : "replay-side-") + replay.id + "-" + load.route();
            String repository = "replayStart" + replay.id + "_" + load.route();
            Map<Integer, Long> starts = new HashMap<>();
            // Partitions outside the request start at their range's end, i.e. are not read.
            replay.legs.stream().filter(l -> l.topic().equals(topic)).forEach(l -> starts.put(l.partition(), l.start()));
            context.getRegistry().bind(repository, new RangeStart(topic, starts, offsets(topic, allPartitions(topic),
                    OffsetSpec.latest())));
            TemplatedRouteBuilder.builder(context, "replay-side")
                    .routeId(routeId)
                    .parameter("topic", topic)
                    .parameter("groupId", group + ".replay-" + replay.id + "." + load.route())
                    .parameter("offsetRepository", repository)
                    .parameter("apply", load.apply())
                    .parameter("replayId", String.valueOf(replay.id))
                    .add();
            replay.sideRoutes.add(routeId);
            replay.repositories.add(repository);
        }
    }

    private List<Integer> allPartitions(String topic) {
        try {
            return admin().describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                    .stream().map(p -> p.partition()).toList();
        } catch (Exception e) {
            throw new ReplayException("cannot describe topic '" + topic + "': " + rootMessage(e));
        }
    }

    /** Keeps only the records inside the side replay's range and advances its position. */
    public void bound(@Body List<Exchange> records, @Header(REPLAY_ID) String replayId, Exchange batch) {
        Replay replay = replays.get(Integer.parseInt(replayId));
        List<Exchange> inside = new ArrayList<>(records.size());
        for (Exchange record : records) {
            String topic = record.getMessage().getHeader(KafkaConstants.TOPIC, String.class);
            int partition = record.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class);
            long offset = record.getMessage().getHeader(KafkaConstants.OFFSET, Long.class);
            Leg leg = replay.leg(topic, partition);
            if (leg != null && offset >= leg.start() && offset < leg.end()) {
                inside.add(record);
            }
            if (leg != null) {
                replay.positions.merge(topic + "/" + partition, Math.min(offset + 1, leg.end()), Math::max);
            }
        }
        batch.getMessage().setBody(inside);
    }

    /** After a side batch: when every partition has reached its end, the replay's routes stop and are removed. */
    public void sideBatchDone(@Header(REPLAY_ID) String replayId) {
        Replay replay = replays.get(Integer.parseInt(replayId));
        if (replay.running() && replay.armed && replay.remaining() == 0) {
            finish(replay);
        }
    }

    private synchronized void finish(Replay replay) {
        if (!replay.running()) {
            return;
        }
        replay.state = "DONE";
        long seconds = Duration.between(replay.started, Instant.now()).toSeconds();
        LOG.info("Replay {} done: {} records in {} s ({})", replay.id, replay.done(), seconds, replay.describe());
        if (replay.side) {
            stopper.submit(() -> {
                for (String route : replay.sideRoutes) {
                    try {
                        context.getRouteController().stopRoute(route);
                        context.removeRoute(route);
                    } catch (Exception e) {
                        LOG.warn("Removing {}: {}", route, e.toString());
                    }
                }
                replay.repositories.forEach(r -> context.getRegistry().unbind(r));
            });
        }
    }

    // ---- progress (route replay-progress) -----------------------------------------------------------------------

    /** Logs each running replay's progress and completes those that reached their end. */
    public void progress() {
        for (Replay replay : replays.values()) {
            if (!replay.running() || !replay.armed) {
                continue;
            }
            replay.refresh();
            long remaining = replay.remaining();
            if (remaining == 0) {
                finish(replay);
            } else {
                LOG.info("Replay {}: {} records done, {} remaining", replay.id, replay.done(), remaining);
            }
        }
    }

    @Override
    public List<String> getReplays() {
        replays.values().forEach(Replay::refresh);
        return replays.values().stream().map(r -> "replay " + r.id + " " + r.state + ": " + r.done() + " done, "
                + r.remaining() + " remaining; " + r.describe()).toList();
    }

    @Override
    public int getActive() {
        return (int) replays.values().stream().filter(Replay::running).count();
    }

    @Override
    public long getRecordsDone() {
        replays.values().forEach(Replay::refresh);
        return replays.values().stream().filter(Replay::running).mapToLong(Replay::done).sum();
    }

    @Override
    public long getRecordsRemaining() {
        replays.values().forEach(Replay::refresh);
        return replays.values().stream().filter(Replay::running).mapToLong(Replay::remaining).sum();
    }

    @Override
    public Map<String, Long> getLag() {
        Map<String, Long> lag = new java.util.TreeMap<>();
        if (lagByTopic != null) {
            Map<String, Long> all = lagByTopic.get();
            replays.values().stream().filter(Replay::running).flatMap(r -> r.topics().stream())
                    .forEach(t -> lag.put(t, all.getOrDefault(t, 0L)));
        }
        return lag;
    }

    /** Where the lag per topic comes from (the pipeline monitor). */
    /** Makes a load topic (a flow added while running) replayable, and its dead letters re-drivable. */
    public void register(LoadTopic t) {
        topics.put(t.topic(), t);
        deadLetterTopics.put(t.topic() + ".dlq", new LoadTopic(t.topic() + ".dlq", t.route(), t.apply()));
    }

    public void setLagSource(java.util.function.Supplier<Map<String, Long>> lagByTopic) {
        this.lagByTopic = lagByTopic;
    }

    @Override
    public void close() {
        stopper.shutdownNow();
        synchronized (this) {
            if (admin != null) {
                admin.close();
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** One replay and where it stands. */
    private final class Replay {
        final int id;
        /** live replay, side replay, or redrive (a side replay of dead-letter topics). */
        final String kind;
        final boolean side;
        final List<Leg> legs;
        final Map<String, LoadTopic> loads;
        final Instant started = Instant.now();
        final Map<String, Long> positions = new java.util.concurrent.ConcurrentHashMap<>();
        final List<String> sideRoutes = new ArrayList<>();
        final List<String> repositories = new ArrayList<>();
        volatile String state = "RUNNING";
        /** Set once every topic has been moved back (live) or its route added (side); progress counts from then. */
        volatile boolean armed;

        Replay(int id, String kind, List<Leg> legs, Map<String, LoadTopic> loads) {
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
            return legs.stream().map(Leg::topic).distinct().toList();
        }

        Leg leg(String topic, int partition) {
            for (Leg l : legs) {
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
        void refresh() {
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
            Map<String, List<Leg>> byTopic = legs.stream().collect(Collectors.groupingBy(Leg::topic, LinkedHashMap::new, Collectors.toList()));
            return kind + " of " + byTopic.entrySet().stream().map(e -> e.getKey() + " "
                    + e.getValue().stream().map(l -> "[" + l.partition() + ": " + l.start() + ".." + l.end() + ")")
                    .collect(Collectors.joining(" "))).collect(Collectors.joining(", "))
                    + ", " + legs.stream().mapToLong(Leg::records).sum() + " records";
        }
    }

    /** Where a side replay's consumer starts in each partition (camel-kafka seeks to the stored value plus one). */
    static final class RangeStart extends org.apache.camel.support.service.ServiceSupport
            implements org.apache.camel.spi.StateRepository<String, String> {
        private final String topic;
        private final Map<Integer, Long> starts;
        private final Map<Integer, Long> ends;
        private final Map<String, String> stored = new java.util.concurrent.ConcurrentHashMap<>();

        RangeStart(String topic, Map<Integer, Long> starts, Map<Integer, Long> ends) {
            this.topic = topic;
            this.starts = starts;
            this.ends = ends;
        }

        @Override
        public String getState(String key) {
            String position = stored.get(key);
            if (position != null) {
                return position;
            }
            int partition = Integer.parseInt(key.substring(key.lastIndexOf('/') + 1));
            long start = starts.getOrDefault(partition, ends.getOrDefault(partition, 0L));
            return String.valueOf(start - 1);
        }

        @Override
        public void setState(String key, String value) {
            // The consumer's position during the run (kept in memory: a side replay does not outlive the process).
            stored.put(key, value);
        }

        @Override
        public String toString() {
            return "RangeStart[" + topic + " " + starts + "]";
        }
    }
}
