package io.tidewater.capture;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import io.debezium.engine.spi.OffsetCommitPolicy;

/**
 * Debezium's offset commit gate for the capture routes: before the engine stores its offsets (every second), every
 * change handed to the publishers is flushed to Kafka. Debezium creates this class by name, hence the static registry.
 */
public class CaptureCommitPolicy implements OffsetCommitPolicy {

    static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Set<ChangePublisher> PUBLISHERS = new CopyOnWriteArraySet<>();

    static void register(ChangePublisher publisher) {
        PUBLISHERS.add(publisher);
    }

    static void unregister(ChangePublisher publisher) {
        PUBLISHERS.remove(publisher);
    }

    /** Debezium instantiates the policy with the engine's properties. */
    public CaptureCommitPolicy(java.util.Properties engineProperties) {
    }

    public CaptureCommitPolicy() {
    }

    @Override
    public boolean performCommit(long numberOfMessagesSinceLastCommit, Duration timeSinceLastCommit) {
        if (timeSinceLastCommit.compareTo(INTERVAL) < 0) {
            return false;
        }
        // Throwing here keeps the offsets where they are; the capture route restarts from them.
        PUBLISHERS.forEach(ChangePublisher::flush);
        return true;
    }
}
