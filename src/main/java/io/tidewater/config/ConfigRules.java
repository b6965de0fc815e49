package io.tidewater.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The range of every numeric key of application.properties, and the keys that cannot be empty: checked before anything
 * starts and by {@code tidewater check}, so a bad value fails naming its key instead of failing later, or silently.
 */
public final class ConfigRules {

    private static final int ANY = Integer.MAX_VALUE;

    /** A whole number between min and max; why, when set, says where the bound comes from. */
    private record Range(String key, int min, int max, int defaultValue, String why) {
    }

    private static final List<Range> RANGES = List.of(
            new Range(Keys.EDW_POOL_SIZE, 1, ANY, 8, null),
            new Range(Keys.STARTUP_TIMEOUT_MS, 1, ANY, 10_000, null),
            new Range(Keys.EMBEDDED_KAFKA_PARTITIONS, 1, ANY, 3, null),
            new Range(Keys.DEMO_RATE, 1, ANY, 100, null),
            new Range(Keys.DEMO_CUSTOMERS, 1, ANY, 1000, null),
            new Range("tidewater.load.batch-size", 1, ANY, 2000, null),
            new Range("tidewater.load.consumers.calls", 1, ANY, 1, null),
            new Range("tidewater.load.consumers.shipping", 1, ANY, 1, null),
            new Range("tidewater.load.consumers.customers", 1, ANY, 1, null),
            new Range("tidewater.load.consumers.orders", 1, ANY, 1, null),
            new Range("tidewater.load.batch-interval-ms", 1, ANY, 5, null),
            new Range("tidewater.load.max-poll-interval-ms", 1, ANY, 300_000, null),
            new Range("tidewater.load.poll-timeout-ms", 1, ANY, 500, null),
            // Kafka refuses a session timeout that is not longer than the heartbeat interval (2000 ms in the flow template).
            new Range("tidewater.load.session-timeout-ms", 2001, ANY, 10_000,
                    "longer than the load consumers' heartbeat interval of 2000 ms"),
            new Range(Keys.LOAD_MAX_EVENT_BYTES, 1, ANY, 65_536, null),
            new Range("tidewater.capture.offsets-replication-factor", 1, Short.MAX_VALUE, 1, null),
            new Range("tidewater.capture.heartbeat-interval-ms", 1, ANY, 10_000, null),
            new Range("tidewater.cache.customers.maximum-size", 1, ANY, 100_000, null),
            new Range("tidewater.cache.customers.expire-after-write-seconds", 1, ANY, 300, null),
            new Range(Keys.STATUS_INTERVAL_MS, 1, ANY, 5000, null),
            new Range("tidewater.metrics.lag-interval-ms", 1, ANY, 5000, null),
            new Range("tidewater.replay.progress-interval-ms", 1, ANY, 2000, null),
            new Range("camel.main.shutdown-timeout", 1, ANY, 45, null));

    /** Ports, 0 picking a free one (see {@link TidewaterConfig#getPort}); capture ports are found by their key. */
    private static final List<String> PORTS = List.of(Keys.EMBEDDED_KAFKA_PORT, Keys.EMBEDDED_KAFKA_CONTROLLER_PORT,
            Keys.EMBEDDED_POSTGRES_PORT, Keys.HAWTIO_PORT, "camel.management.port");

    /** Keys whose empty value (from the environment; an empty one in the file means the default) means nothing. */
    private static final List<String> NOT_EMPTY = List.of(Keys.LOAD_GROUP, Keys.EDW_SCHEMA, Keys.DATA_DIR,
            Keys.TOPIC_CALLS, Keys.TOPIC_SHIPPING, "tidewater.topics.customers", "tidewater.topics.orders",
            "tidewater.capture.offsets-topic");

    private static final List<String> BOOLEANS = List.of(Keys.DEMO_ENABLED, Keys.CAPTURE_ENABLED, Keys.CAPTURE_SCHEMAS,
            Keys.LOAD_ENABLED, Keys.HAWTIO_ENABLED, Keys.ROUTES_RELOAD);

    private ConfigRules() {
    }

    /** Fails on the first key out of its range or empty, naming it. */
    public static void require(TidewaterConfig config) {
        List<ConfigException> problems = problems(config);
        if (!problems.isEmpty()) {
            throw problems.get(0);
        }
    }

    /** Every key out of its range or empty, in the order of application.properties' sections. */
    public static List<ConfigException> problems(TidewaterConfig config) {
        List<ConfigException> problems = new ArrayList<>();
        for (String key : NOT_EMPTY) {
            String value = config.get(key);
            if (value != null && value.isBlank()) {
                problems.add(new ConfigException(key, "is empty" + from(config, key),
                        "set a value, or remove " + TidewaterConfig.envName(key) + " for the default"));
            }
        }
        for (Range r : RANGES) {
            check(config, r).ifPresent(problems::add);
        }
        problems.addAll(ports(config));
        for (String key : BOOLEANS) {
            try {
                config.getBoolean(key, true);
            } catch (ConfigException e) {
                problems.add(e);
            }
        }
        try {
            if (config.getBoolean(Keys.CAPTURE_ENABLED, true)) {
                problems.addAll(CaptureBlocks.problems(config));
            }
        } catch (ConfigException e) {
            // reported with the booleans
        }
        return problems;
    }

    /** The ports, Tidewater's and each capture block's (one naming another key is checked as that key). */
    private static List<ConfigException> ports(TidewaterConfig config) {
        List<String> ports = new ArrayList<>(PORTS);
        config.keys().stream().filter(k -> k.matches("tidewater\\.capture\\.[^.]+\\.port")).sorted().forEach(ports::add);
        List<ConfigException> problems = new ArrayList<>();
        for (String key : ports) {
            String raw = config.get(key);
            if (raw != null && !raw.startsWith("{{")) {    // a placeholder: the key it names is checked itself
                check(config, new Range(key, 0, 65535, 0, "a TCP port; 0 picks a free one")).ifPresent(problems::add);
            }
        }
        return problems;
    }

    private static Optional<ConfigException> check(TidewaterConfig config, Range r) {
        String raw = config.get(r.key());
        if (raw == null) {
            return Optional.empty();
        }
        String range = r.max() == ANY ? "at least " + r.min() : "between " + r.min() + " and " + r.max();
        String fix = "set a whole number " + (r.max() == ANY ? "of " : "") + range + (r.why() == null ? "" : " (" + r.why() + ")")
                + (r.defaultValue() == 0 ? "" : "; the default is " + r.defaultValue());
        long value;
        try {
            value = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return Optional.of(new ConfigException(r.key(), "'" + raw + "' is not a whole number" + from(config, r.key()), fix));
        }
        if (value < r.min() || value > r.max()) {
            return Optional.of(new ConfigException(r.key(), "must be " + range + ", was " + raw + from(config, r.key()), fix));
        }
        return Optional.empty();
    }

    /** Where a value comes from when it is not the file: the environment variable to look at. */
    private static String from(TidewaterConfig config, String key) {
        return config.fromEnvironment(key) ? " (from " + TidewaterConfig.envName(key) + ")" : "";
    }
}
