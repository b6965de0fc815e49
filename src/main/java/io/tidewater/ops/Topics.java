package io.tidewater.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics explicitly and waits until every partition has a leader. Producing to a topic the broker is still
 * creating can leave an idempotent producer retrying out-of-order sequences forever, so nothing relies on auto-creation.
 */
public final class Topics {

    private Topics() {
    }

    public static void ensure(Admin admin, Collection<String> names, int partitions, short replicationFactor) throws Exception {
        create(admin, names, name -> new NewTopic(name, partitions, replicationFactor));
    }

    /** The same with the broker's default partitions and replication (an external cluster's own settings). */
    public static void ensureWithBrokerDefaults(Admin admin, Collection<String> names) throws Exception {
        create(admin, names, name -> new NewTopic(name, java.util.Optional.empty(), java.util.Optional.empty()));
    }

    private static void create(Admin admin, Collection<String> names, java.util.function.Function<String, NewTopic> topic) throws Exception {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (String name : names) {
            if (!existing.contains(name)) {
                missing.add(topic.apply(name));
            }
        }
        try {
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!allLed(admin, names)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Topics " + names + " have no leader after 30 s");
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** Every partition has a leader in the metadata, and that leader already serves it (answers a list-offsets). */
    private static boolean allLed(Admin admin, Collection<String> names) throws Exception {
        try {
            Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
            for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    if (p.leader() == null || p.leader().isEmpty()) {
                        return false;
                    }
                    partitions.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                }
            }
            admin.listOffsets(partitions).all().get(10, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            return false;
        }
    }
}
