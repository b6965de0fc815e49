package io.tidewater.config;

/** Names of Tidewater's configuration keys; each is documented in application.properties. */
public final class Keys {

    public static final String KAFKA_BOOTSTRAP = "tidewater.kafka.bootstrap-servers";
    public static final String EDW_JDBC_URL = "tidewater.edw.jdbc-url";
    public static final String EDW_USERNAME = "tidewater.edw.username";
    public static final String EDW_PASSWORD = "tidewater.edw.password";
    public static final String EDW_SCHEMA = "tidewater.edw.schema";
    public static final String EDW_POOL_SIZE = "tidewater.edw.pool-size";
    public static final String CRM_JDBC_URL = "tidewater.oltp.crm.jdbc-url";
    public static final String SALES_JDBC_URL = "tidewater.oltp.sales.jdbc-url";
    public static final String OLTP_USERNAME = "tidewater.oltp.username";
    public static final String OLTP_PASSWORD = "tidewater.oltp.password";

    public static final String DATA_DIR = "tidewater.embedded.data-dir";
    public static final String EMBEDDED_KAFKA_PORT = "tidewater.embedded.kafka.port";
    public static final String EMBEDDED_KAFKA_CONTROLLER_PORT = "tidewater.embedded.kafka.controller-port";
    public static final String EMBEDDED_KAFKA_PARTITIONS = "tidewater.embedded.kafka.partitions";
    public static final String EMBEDDED_POSTGRES_PORT = "tidewater.embedded.postgres.port";

    public static final String DEMO_ENABLED = "tidewater.demo.enabled";
    public static final String DEMO_RATE = "tidewater.demo.rate";
    public static final String DEMO_CUSTOMERS = "tidewater.demo.customers";

    public static final String TOPIC_CALLS = "tidewater.topics.calls";
    public static final String TOPIC_SHIPPING = "tidewater.topics.shipping";

    public static final String CAPTURE_ENABLED = "tidewater.capture.enabled";
    public static final String CAPTURE_SCHEMAS = "tidewater.capture.schemas";

    public static final String LOAD_ENABLED = "tidewater.load.enabled";
    public static final String LOAD_GROUP = "tidewater.load.group-id";
    public static final String LOAD_INSTANCE_ID = "tidewater.load.instance-id";
    public static final String LOAD_MAX_EVENT_BYTES = "tidewater.load.max-event-bytes";

    public static final String OPS_USERNAME = "tidewater.ops.username";
    public static final String OPS_PASSWORD = "tidewater.ops.password";
    public static final String OPS_HOST = "tidewater.ops.host";
    public static final String HAWTIO_ENABLED = "tidewater.hawtio.enabled";
    public static final String HAWTIO_PORT = "tidewater.hawtio.port";
    public static final String HAWTIO_JOLOKIA_URL = "tidewater.hawtio.jolokia-url";

    public static final String STATUS_INTERVAL_MS = "tidewater.status.interval-ms";
    public static final String ROUTES_RELOAD = "tidewater.routes.reload-enabled";
    public static final String STARTUP_TIMEOUT_MS = "tidewater.startup.check-timeout-ms";

    private Keys() {
    }
}
