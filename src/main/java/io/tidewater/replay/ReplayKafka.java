package io.tidewater.replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.tidewater.kafka.KafkaClients;
import io.tidewater.replay.ReplayService.Leg;
import io.tidewater.replay.ReplayService.LoadTopic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What replays ask of Kafka: a request's ranges from the topics' offsets (by offset or by time), the members of a load
 * route's consumer group, and that group's offsets moved to a replay's start.
 */
final class ReplayKafka implements AutoCloseable {

    private final KafkaClients kafka;
    private Admin admin;

    ReplayKafka(String bootstrapServers) {
        this.kafka = new KafkaClients(bootstrapServers);
    }

    synchronized Admin admin() {
        if (admin == null) {
            admin = kafka.admin("tidewater-replay", 10_000);
        }
        return admin;
    }

    /**
     * Resolves a request against the topics' current offsets: each partition's range, [start, end). known: the topics
     * it may name (loadTopics: what a refusal lists). Throws ReplayException, changing nothing.
     */
    List<Leg> plan(ReplayRequest request, Map<String, LoadTopic> known, java.util.Set<String> loadTopics) {
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
                throw new ReplayException("cannot describe topic '" + topic + "': " + ReplayService.rootMessage(e));
            } catch (Exception e) {
                throw new ReplayException("cannot describe topic '" + topic + "': " + ReplayService.rootMessage(e));
            }
            if (!known.containsKey(topic)) {
                throw new ReplayException("topic '" + topic + "' is not loaded by Tidewater; load topics: " + loadTopics);
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

    Map<Integer, Long> offsets(String topic, List<Integer> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(new TopicPartition(topic, p), spec));
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin().listOffsets(request).all().get(10, TimeUnit.SECONDS);
            Map<Integer, Long> m = new HashMap<>();
            r.forEach((tp, info) -> m.put(tp.partition(), info.offset()));
            return m;
        } catch (Exception e) {
            throw new ReplayException("cannot read the offsets of '" + topic + "': " + ReplayService.rootMessage(e));
        }
    }

    List<Integer> allPartitions(String topic) {
        try {
            return admin().describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                    .stream().map(p -> p.partition()).toList();
        } catch (Exception e) {
            throw new ReplayException("cannot describe topic '" + topic + "': " + ReplayService.rootMessage(e));
        }
    }

    /** The members of a consumer group whose client id does not start so, as "client on host". */
    List<String> otherMembers(String consumerGroup, String own) {
        try {
            return admin().describeConsumerGroups(List.of(consumerGroup)).all().get(10, TimeUnit.SECONDS).get(consumerGroup)
                    .members().stream().filter(m -> !m.clientId().startsWith(own))
                    .map(m -> m.clientId() + " on " + m.host()).sorted().toList();
        } catch (Exception e) {
            throw new ReplayException("cannot describe consumer group '" + consumerGroup + "': " + ReplayService.rootMessage(e));
        }
    }

    /** Sets a consumer group's offsets, waiting up to 30 s for a stopped consumer to leave it. */
    void moveGroup(String consumerGroup, Map<TopicPartition, OffsetAndMetadata> offsets) throws Exception {
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

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
