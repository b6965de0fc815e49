package io.tidewater.ops;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Reports DOWN while no Kafka broker answers a cluster description. */
public class KafkaHealthCheck extends AbstractHealthCheck implements AutoCloseable {

    private static final int TIMEOUT_MS = 3000;
    private final Admin admin;

    public KafkaHealthCheck(String bootstrapServers) {
        super("tidewater", "kafka");
        this.admin = new io.tidewater.kafka.KafkaClients(bootstrapServers).admin("tidewater-health", TIMEOUT_MS);
    }

    /** Readiness only: restarting Tidewater does not bring the dependency back, so liveness stays UP meanwhile. */
    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS))
                    .nodes().get(TIMEOUT_MS + 500L, TimeUnit.MILLISECONDS).size();
            builder.detail("brokers", nodes);
            if (nodes > 0) {
                builder.up();
            } else {
                builder.message("no Kafka brokers").down();
            }
        } catch (Exception e) {
            builder.message("Kafka unreachable: " + e.getMessage()).down();
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
