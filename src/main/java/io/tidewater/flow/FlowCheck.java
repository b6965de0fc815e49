package io.tidewater.flow;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import io.tidewater.config.CaptureBlocks;
import io.tidewater.config.ConfigException;
import io.tidewater.config.ConfigRules;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * {@code tidewater check}: application.properties, every route file against Camel's YAML DSL schema (the one editors
 * use), every flow against Tidewater's flow rules, and, when the warehouse answers, its tables against the flows; each
 * problem as file:line and the reason. Nothing starts.
 */
public final class FlowCheck {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private FlowCheck() {
    }

    public static int run(Path configFile, Path routes, Map<String, String> env, PrintStream out) {
        List<String> problems = new ArrayList<>();
        TidewaterConfig config = null;
        try {
            config = TidewaterConfig.load(configFile, env);
            ConfigRules.problems(config).forEach(e -> problems.add(configFile + ": " + e.getMessage()));
        } catch (ConfigException e) {
            problems.add(configFile + ": " + e.getMessage());
        }
        List<Path> files;
        try {
            files = Flows.flowFiles(routes);
        } catch (RuntimeException e) {
            out.println(routes + ": cannot list the route files: " + e.getMessage());
            return 1;
        }
        List<FlowSpec> flows = read(files, config, problems, out);
        try {
            new Flows(flows);
        } catch (FlowException e) {
            problems.add(e.getMessage());
        }
        String warehouse = checkWarehouse(flows, config, problems, out);
        if (config != null) {
            uncaptured(flows, config, out);
        }
        problems.forEach(out::println);
        out.println((problems.isEmpty() ? "OK: " : problems.size() + " problem(s): ") + configFile + ", " + files.size()
                + " route files, " + flows.size() + " flows; warehouse tables " + warehouse);
        return problems.isEmpty() ? 0 : 1;
    }

    /** Each route file against Camel's YAML DSL schema, then its flows, read as a start reads them (with a note for a file of an earlier release). */
    private static List<FlowSpec> read(List<Path> files, TidewaterConfig config, List<String> problems, PrintStream out) {
        Schema schema = schema();
        List<FlowSpec> flows = new ArrayList<>();
        FlowReader reader = new FlowReader(config == null ? v -> v : Placeholders.of(config));
        for (Path f : files) {
            try {
                Node root = new Compose(LoadSettings.builder().build()).composeString(Files.readString(f)).orElse(null);
                for (Error e : schema.validate(YAML.readTree(f.toFile()))) {
                    NodePath at = e.getInstanceLocation();
                    if (e.getProperty() != null) {
                        at = at.append(e.getProperty());     // an unknown or missing property: its own line when it has one
                    }
                    problems.add(f + ":" + line(root, at) + ": not valid Camel YAML DSL: " + e.getMessage());
                }
            } catch (Exception e) {
                problems.add(f + ":1: cannot be read as YAML: " + e.getMessage());
                continue;
            }
            try {
                List<FlowSpec> declared = reader.read(f);
                declared.stream().filter(FlowSpec::routesInFile).forEach(d -> out.println("note: " + shorter(d)));
                flows.addAll(declared);
            } catch (FlowException e) {
                problems.add(e.getMessage());
            } catch (ConfigException e) {
                problems.add(f + ": " + e.getMessage());
            }
        }
        return flows;
    }

    /**
     * When the files have no problem and the warehouse answers: the flows' tables against their declarations, and every
     * statement dry-run on them as a start would make them. Returns what was checked, for the summary.
     */
    private static String checkWarehouse(List<FlowSpec> flows, TidewaterConfig config, List<String> problems, PrintStream out) {
        String warehouse = problems.isEmpty() ? "not checked (no warehouse answered)" : "not checked (the files have problems)";
        Optional<Connection> edw = config != null && problems.isEmpty() ? warehouse(config) : Optional.empty();
        if (edw.isPresent()) {
            try (Connection c = edw.get()) {
                // A flow waiting for one no file declares is what a start does with it: a note.
                List<FlowSpec> running = waiting(flows, table -> FlowTables.exists(c, table), out);
                List<String> tables = FlowTables.check(c, running);
                problems.addAll(tables.stream().filter(t -> !t.startsWith("will ")).toList());
                tables.stream().filter(t -> t.startsWith("will ")).forEach(t -> out.println("note: " + t));
                if (problems.isEmpty()) {
                    // Every statement run on the tables as a start would make them, then rolled back.
                    DryRun.run(c, running).refusals().forEach(r -> problems.add(r.error().getMessage()));
                }
                warehouse = "checked";
            } catch (Exception e) {
                warehouse = "not checked (" + e.getMessage() + ")";
            }
        } else if (problems.isEmpty()) {
            waiting(flows, table -> false, out);
        }
        return warehouse;
    }

    /** How a flow file of an earlier release, bean and templatedRoutes, says the same in the bean alone. */
    static String shorter(FlowSpec f) {
        Map<String, String> p = f.sourceParameters();
        String consumers = p.getOrDefault("consumers", "1");
        return f.file() + ":" + f.line() + ": flow '" + f.name() + "' can be declared by its bean alone: add source: {topic: "
                + quoted(p.get("topic")) + (consumers.equals("1") ? "" : ", consumers: " + quoted(consumers))
                + "} to its properties and delete its two templatedRoutes (its apply route is then named "
                + FlowSpec.applyRoute(f.name()) + ")";
    }

    private static String quoted(String v) {
        return v != null && v.matches("[A-Za-z0-9._-]+") ? v : "\"" + v + "\"";
    }

    /**
     * Warns about each topic a flow reads that nothing captures or produces: a topic under a capture's prefix whose table
     * the capture does not list, or, when Kafka answers, any other topic that does not exist or holds no record.
     */
    static void uncaptured(List<FlowSpec> flows, TidewaterConfig config, PrintStream out) {
        Map<String, String> prefixes = new java.util.TreeMap<>();
        java.util.Set<String> captured = new java.util.HashSet<>();
        Map<String, String> defaults = CaptureBlocks.defaults(config, false);
        for (String db : CaptureBlocks.databases(config.keys())) {
            String key = "tidewater.capture." + db + ".topic-prefix";
            String prefix = config.get(key, defaults.get(key));
            prefixes.put(prefix, db);
            for (String table : config.get("tidewater.capture." + db + ".tables", "").split(",")) {
                if (!table.isBlank()) {
                    captured.add(prefix + "." + table.strip());
                }
            }
        }
        List<String[]> others = new ArrayList<>();
        for (FlowSpec f : flows) {
            for (String topic : f.topics()) {
                if (captured.contains(topic)) {
                    continue;
                }
                String db = prefixes.entrySet().stream().filter(e -> topic.startsWith(e.getKey() + ".")).map(Map.Entry::getValue)
                        .findFirst().orElse(null);
                if (db != null) {
                    out.println("warning: " + f.file() + ":" + f.line("topic") + ": flow '" + f.name() + "' reads " + topic
                            + ", which no capture produces: add its table to tidewater.capture." + db + ".tables");
                } else {
                    others.add(new String[] {f.file() + ":" + f.line("topic"), f.name(), topic});
                }
            }
        }
        if (!others.isEmpty()) {
            producedOrNot(others, config, out);
        }
    }

    /** Warns about the topics that do not exist or are empty, when Kafka answers within a few seconds. */
    private static void producedOrNot(List<String[]> topics, TidewaterConfig config, PrintStream out) {
        String bootstrap = config.get(Keys.KAFKA_BOOTSTRAP);
        if (bootstrap == null || bootstrap.isBlank()) {
            bootstrap = "localhost:" + config.get(Keys.EMBEDDED_KAFKA_PORT);
        }
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        p.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        p.put("request.timeout.ms", "3000");
        p.put("default.api.timeout.ms", "3000");
        // A broker that is not running is this check's answer, not a warning per connection attempt.
        org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.kafka.clients.NetworkClient", org.apache.logging.log4j.Level.ERROR);
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p)) {
            Map<String, List<org.apache.kafka.common.PartitionInfo>> existing = c.listTopics(java.time.Duration.ofSeconds(3));
            for (String[] t : topics) {
                List<org.apache.kafka.common.PartitionInfo> parts = existing.get(t[2]);
                long records = 0;
                if (parts != null) {
                    List<org.apache.kafka.common.TopicPartition> tps = parts.stream()
                            .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
                    Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(tps, java.time.Duration.ofSeconds(3));
                    Map<org.apache.kafka.common.TopicPartition, Long> begin = c.beginningOffsets(tps, java.time.Duration.ofSeconds(3));
                    for (org.apache.kafka.common.TopicPartition tp : tps) {
                        records += end.get(tp) - begin.get(tp);
                    }
                }
                if (records == 0) {
                    out.println("warning: " + t[0] + ": flow '" + t[1] + "' reads " + t[2] + ", which " + (parts == null ? "does not exist"
                            : "holds no record") + " and no capture produces: check the topic's name and its producer");
                }
            }
        } catch (Exception e) {
            // What is produced cannot be told; the captured topics were checked above.
            out.println("note: Kafka at " + bootstrap + " did not answer: topics not checked");
        }
    }

    /** Prints a note for each flow that would wait at a start; returns those that would run. */
    private static List<FlowSpec> waiting(List<FlowSpec> flows, java.util.function.Predicate<String> tableExists, PrintStream out) {
        FlowDependencies.Split split = FlowDependencies.split(flows, tableExists, Map.of());
        split.waiting().values().forEach(w -> out.println("note: " + w.flow().file() + ":" + w.line() + ": flow '" + w.flow().name()
                + "' will wait for " + w.reason()));
        return List.copyOf(split.running().values());
    }

    private static Schema schema() {
        try (InputStream in = FlowCheck.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(in, InputFormat.JSON);
        } catch (Exception e) {
            throw new IllegalStateException("Camel's YAML DSL schema (schema/camelYamlDsl.json in camel-yaml-dsl) cannot be read", e);
        }
    }

    /** The line of the YAML node at a schema error's instance location. */
    static int line(Node root, NodePath at) {
        try {
            Node node = root;
            for (int i = 0; node != null && i < at.getNameCount(); i++) {
                Object step = at.getElement(i);
                Node next = null;
                if (step instanceof Integer index && node instanceof SequenceNode seq && index < seq.getValue().size()) {
                    next = seq.getValue().get(index);
                } else if (node instanceof MappingNode map) {
                    next = DeclarationContext.get(map, String.valueOf(step));
                }
                if (next == null) {
                    break;
                }
                node = next;
            }
            return DeclarationContext.line(node);
        } catch (Exception e) {
            return 1;
        }
    }

    /** The warehouse of the configuration (external), or of a Tidewater running here (embedded), if it answers. */
    private static Optional<Connection> warehouse(TidewaterConfig config) {
        String url = config.get(Keys.EDW_JDBC_URL);
        String user = config.get(Keys.EDW_USERNAME);
        if (url == null || url.isBlank()) {
            url = "jdbc:postgresql://localhost:" + config.get(Keys.EMBEDDED_POSTGRES_PORT) + "/warehouse";
            user = "postgres";
        }
        try {
            DriverManager.setLoginTimeout(3);
            Connection c = DriverManager.getConnection(url + (url.contains("?") ? "&" : "?") + "connectTimeout=3&currentSchema="
                    + config.get(Keys.EDW_SCHEMA), user, java.util.Objects.requireNonNullElse(config.get(Keys.EDW_PASSWORD), ""));
            return Optional.of(c);
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
