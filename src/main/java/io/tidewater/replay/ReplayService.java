package io.tidewater.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
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
    /** Header of a side replay's polled batch: how many of its records are inside the replay's range. */
    public static final String IN_RANGE = "tidewaterInRange";
    private static final Logger LOG = LoggerFactory.getLogger(ReplayService.class);

    /** One load topic and the flow that loads it (its consumer route is named after it). */
    public record LoadTopic(String topic, String route) {
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
    /** Each load topic's dead-letter topic, re-driven through that topic's flow. */
    private final Map<String, LoadTopic> deadLetterTopics = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final ReplayKafka kafka;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Replay> replays = new ConcurrentSkipListMap<>();
    private final ExecutorService stopper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tidewater-replay-stop");
        t.setDaemon(true);
        return t;
    });
    private CamelContext context;
    private ReplayRoutes routes;
    private volatile java.util.function.Supplier<Map<String, Long>> lagByTopic;

    public ReplayService(DataSource edw, String group, String instanceId, List<LoadTopic> loadTopics, String bootstrapServers) {
        this.edw = edw;
        this.group = group;
        this.instanceId = instanceId;
        loadTopics.forEach(t -> topics.put(t.topic(), t));
        loadTopics.forEach(t -> deadLetterTopics.put(t.topic() + ".dlq", new LoadTopic(t.topic() + ".dlq", t.route())));
        this.kafka = new ReplayKafka(bootstrapServers);
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.context = camelContext;
        this.routes = new ReplayRoutes(camelContext, kafka, group);
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
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
            List<Leg> legs = kafka.plan(request, known, topics.keySet());
            if (!request.side()) {
                request.topics().forEach(this::requireOnlyOwnConsumers);
            }
            replay = new Replay(ids.incrementAndGet(), kind, legs, known);
            replays.put(replay.id, replay);
        }
        LOG.info("Replay {} requested: {}", replay.id, replay.describe());
        try {
            if (replay.side) {
                routes.side(replay);
                replay.armed = true;
            } else {
                for (String topic : replay.topics()) {
                    routes.live(replay, topics.get(topic));
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
        return kafka.plan(request, topics, topics.keySet());
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
        List<String> others = kafka.otherMembers(consumerGroup, own);
        if (!others.isEmpty()) {
            throw new ReplayException("a live replay of " + topic + " would move only this instance (" + instanceId
                    + "), but other load instances consume it too: " + String.join(", ", others)
                    + "; stop them for the replay, or ask for a side replay (--side)");
        }
    }

    /** Sets the load route's consumer group to the replay's start, so that lag tools agree with etl_offsets. */
    public void resetConsumerGroup(@Header("replayConsumerGroup") String consumerGroup, @Header("offTopics") String[] offTopics,
                                   @Header("offPartitions") Integer[] partitions, @Header("offNext") Long[] next) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (int i = 0; i < offTopics.length; i++) {
            offsets.put(new TopicPartition(offTopics[i], partitions[i]), new OffsetAndMetadata(next[i]));
        }
        kafka.moveGroup(consumerGroup, offsets);
    }

    // ---- side replay (routes/replay-side.camel.yaml) -------------------------------------------------------------

    /**
     * Keeps only the records inside the side replay's range and advances its position; how many there are goes in the
     * {@value #IN_RANGE} header (which the route tests, rather than asking the list in a simple expression: Camel's bean
     * language would keep every list it was asked about).
     */
    public void bound(@Body List<Exchange> records, @Header(REPLAY_ID) String replayId, Exchange batch) {
        List<Exchange> inside = replays.get(Integer.parseInt(replayId)).inside(records);
        batch.getMessage().setBody(inside);
        batch.getMessage().setHeader(IN_RANGE, inside.size());
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
            stopper.submit(() -> routes.remove(replay));
        }
    }

    // ---- progress (route replay-progress) -----------------------------------------------------------------------

    /** Logs each running replay's progress and completes those that reached their end. */
    public void progress() {
        for (Replay replay : replays.values()) {
            if (!replay.running() || !replay.armed) {
                continue;
            }
            replay.refresh(edw, group);
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
        replays.values().forEach(r -> r.refresh(edw, group));
        return replays.values().stream().map(r -> "replay " + r.id + " " + r.state + ": " + r.done() + " done, "
                + r.remaining() + " remaining; " + r.describe()).toList();
    }

    @Override
    public int getActive() {
        return (int) replays.values().stream().filter(Replay::running).count();
    }

    @Override
    public long getRecordsDone() {
        replays.values().forEach(r -> r.refresh(edw, group));
        return replays.values().stream().filter(Replay::running).mapToLong(Replay::done).sum();
    }

    @Override
    public long getRecordsRemaining() {
        replays.values().forEach(r -> r.refresh(edw, group));
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
        deadLetterTopics.put(t.topic() + ".dlq", new LoadTopic(t.topic() + ".dlq", t.route()));
    }

    public void setLagSource(java.util.function.Supplier<Map<String, Long>> lagByTopic) {
        this.lagByTopic = lagByTopic;
    }

    @Override
    public void close() {
        stopper.shutdownNow();
        kafka.close();
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

}
