package io.tidewater.config;

import static io.tidewater.config.Setting.flag;
import static io.tidewater.config.Setting.name;
import static io.tidewater.config.Setting.port;
import static io.tidewater.config.Setting.text;
import static io.tidewater.config.Setting.whole;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key of application.properties (the capture blocks' aside, see {@link CaptureBlocks}), with its type and its
 * default, in the order of the file's sections. Each is documented in application.properties, which ships every
 * default as it is here (a test holds them equal).
 */
public final class Keys {

    public static final Setting<String> KAFKA_BOOTSTRAP = text("tidewater.kafka.bootstrap-servers", null);
    public static final Setting<String> EDW_JDBC_URL = text("tidewater.edw.jdbc-url", null);
    public static final Setting<String> EDW_USERNAME = text("tidewater.edw.username", "tidewater");
    public static final Setting<String> EDW_PASSWORD = text("tidewater.edw.password", null);
    public static final Setting<String> EDW_SCHEMA = name("tidewater.edw.schema", "edw");
    public static final Setting<Integer> EDW_POOL_SIZE = whole("tidewater.edw.pool-size", 8);
    public static final Setting<String> CRM_JDBC_URL = text("tidewater.oltp.crm.jdbc-url", null);
    public static final Setting<String> SALES_JDBC_URL = text("tidewater.oltp.sales.jdbc-url", null);
    public static final Setting<String> OLTP_USERNAME = text("tidewater.oltp.username", "tidewater");
    public static final Setting<String> OLTP_PASSWORD = text("tidewater.oltp.password", null);
    public static final Setting<Integer> STARTUP_TIMEOUT_MS = whole("tidewater.startup.check-timeout-ms", 10_000);

    public static final Setting<String> DATA_DIR = name("tidewater.embedded.data-dir", "data");
    public static final Setting<Integer> EMBEDDED_KAFKA_PORT = port("tidewater.embedded.kafka.port", 9092);
    public static final Setting<Integer> EMBEDDED_KAFKA_CONTROLLER_PORT = port("tidewater.embedded.kafka.controller-port", 9093);
    public static final Setting<Integer> EMBEDDED_KAFKA_PARTITIONS = whole("tidewater.embedded.kafka.partitions", 3);
    public static final Setting<Integer> EMBEDDED_POSTGRES_PORT = port("tidewater.embedded.postgres.port", 15432);

    public static final Setting<Boolean> DEMO_ENABLED = flag("tidewater.demo.enabled", true);
    public static final Setting<Integer> DEMO_RATE = whole("tidewater.demo.rate", 100);
    public static final Setting<Integer> DEMO_CUSTOMERS = whole("tidewater.demo.customers", 1000);

    public static final Setting<String> TOPIC_CALLS = name("tidewater.topics.calls", "events.callcenter.calls");
    public static final Setting<String> TOPIC_SHIPPING = name("tidewater.topics.shipping", "events.shipping");
    public static final Setting<String> TOPIC_CUSTOMERS = name("tidewater.topics.customers", "cdc.crm.public.customers");
    public static final Setting<String> TOPIC_ORDERS = name("tidewater.topics.orders", "cdc.sales.public.orders");

    public static final Setting<Boolean> LOAD_ENABLED = flag("tidewater.load.enabled", true);
    public static final Setting<String> LOAD_GROUP = name("tidewater.load.group-id", "tidewater-load");
    public static final Setting<String> LOAD_INSTANCE_ID = text("tidewater.load.instance-id", "");
    public static final Setting<Integer> LOAD_BATCH_SIZE = whole("tidewater.load.batch-size", 2000);
    public static final Setting<Integer> LOAD_CONSUMERS_CALLS = whole("tidewater.load.consumers.calls", 1);
    public static final Setting<Integer> LOAD_CONSUMERS_SHIPPING = whole("tidewater.load.consumers.shipping", 1);
    public static final Setting<Integer> LOAD_CONSUMERS_CUSTOMERS = whole("tidewater.load.consumers.customers", 1);
    public static final Setting<Integer> LOAD_CONSUMERS_ORDERS = whole("tidewater.load.consumers.orders", 1);
    public static final Setting<Integer> LOAD_BATCH_INTERVAL_MS = whole("tidewater.load.batch-interval-ms", 5);
    public static final Setting<Integer> LOAD_MAX_POLL_INTERVAL_MS = whole("tidewater.load.max-poll-interval-ms", 300_000);
    public static final Setting<Integer> LOAD_POLL_TIMEOUT_MS = whole("tidewater.load.poll-timeout-ms", 5);
    /** Kafka refuses a session timeout that is not longer than the heartbeat interval (2000 ms in the flow template). */
    public static final Setting<Integer> LOAD_SESSION_TIMEOUT_MS = whole("tidewater.load.session-timeout-ms", 10_000, 2001, Setting.ANY,
            "longer than the load consumers' heartbeat interval of 2000 ms");
    public static final Setting<Integer> LOAD_MAX_EVENT_BYTES = whole("tidewater.load.max-event-bytes", 65_536);

    public static final Setting<Boolean> CAPTURE_ENABLED = flag("tidewater.capture.enabled", true);
    public static final Setting<Boolean> CAPTURE_SCHEMAS = flag("tidewater.capture.schemas", false);
    public static final Setting<String> CAPTURE_OFFSETS_TOPIC = name("tidewater.capture.offsets-topic", "tidewater.capture.offsets");
    public static final Setting<Integer> CAPTURE_OFFSETS_REPLICATION = whole("tidewater.capture.offsets-replication-factor", 1, 1,
            Short.MAX_VALUE, null);
    public static final Setting<Integer> CAPTURE_HEARTBEAT_MS = whole("tidewater.capture.heartbeat-interval-ms", 10_000);

    public static final Setting<Integer> CACHE_CUSTOMERS_SIZE = whole("tidewater.cache.customers.maximum-size", 100_000);
    public static final Setting<Integer> CACHE_CUSTOMERS_EXPIRY = whole("tidewater.cache.customers.expire-after-write-seconds", 300);

    public static final Setting<Integer> STATUS_INTERVAL_MS = whole("tidewater.status.interval-ms", 5000);
    public static final Setting<Integer> LAG_INTERVAL_MS = whole("tidewater.metrics.lag-interval-ms", 5000);
    public static final Setting<Integer> REPLAY_PROGRESS_MS = whole("tidewater.replay.progress-interval-ms", 2000);

    public static final Setting<String> OPS_USERNAME = text("tidewater.ops.username", "operator");
    public static final Setting<String> OPS_PASSWORD = text("tidewater.ops.password", "");
    /** No default: 127.0.0.1 in embedded mode, 0.0.0.0 otherwise (see io.tidewater.ops.OpsHost). */
    public static final Setting<String> OPS_HOST = text("tidewater.ops.host", null);
    public static final Setting<Boolean> HAWTIO_ENABLED = flag("tidewater.hawtio.enabled", true);
    public static final Setting<Integer> HAWTIO_PORT = port("tidewater.hawtio.port", 8090);
    public static final Setting<String> HAWTIO_JOLOKIA_URL = text("tidewater.hawtio.jolokia-url", "");

    public static final Setting<Boolean> ROUTES_RELOAD = flag("tidewater.routes.reload-enabled", true);

    /** Camel's own keys that Tidewater reads too. */
    public static final Setting<Integer> SHUTDOWN_TIMEOUT = whole("camel.main.shutdown-timeout", 15);
    public static final Setting<Integer> MANAGEMENT_PORT = port("camel.management.port", 8081);

    private static final List<Setting<?>> ALL = all();

    private Keys() {
    }

    /**
     * Every key's value in this configuration as text, its default where it is unset or empty in the file: what Camel's
     * property placeholders ({{key}} in routes/) read, so that they take the value Tidewater checked. Keys with no value
     * and no default are left out.
     */
    public static Map<String, String> values(TidewaterConfig config) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting<?> s : all()) {
            Object value = config.get(s);
            if (value != null) {
                values.put(s.key(), String.valueOf(value));
            }
        }
        return values;
    }

    /** Every key, in the order above. */
    public static List<Setting<?>> all() {
        if (ALL != null) {
            return ALL;
        }
        List<Setting<?>> all = new ArrayList<>();
        for (Field f : Keys.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Setting.class) {
                try {
                    all.add((Setting<?>) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return List.copyOf(all);
    }
}
