package io.tidewater.ops;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Reports DOWN while no Kafka broker answers a cluster description. */
public class KafkaHealthCheck extends AbstractHealthCheck implements AutoCloseable {

    private static final int TIMEOUT_MS = 3000;
    private final Admin admin;

    public KafkaHealthCheck(String bootstrapServers) {
        super("tidewater", "kafka");
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "tidewater-health");
        this.admin = Admin.create(props);
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
