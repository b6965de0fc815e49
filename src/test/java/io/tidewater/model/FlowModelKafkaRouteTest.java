package io.tidewater.model;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.model.Scenario.Batch;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, "A model of every declaration", on real Kafka: generated scenarios (seed 20) whose flows run as a user's
 * flow files in the real routes (Kafka consumers, the lookups' caches, the apply routes and their statements), each
 * batch produced to its flow's topic after the one before was loaded, so that the order of the topics is the scenario's.
 * Every table and rollup must equal what {@link FlowModel} computes from the same records.
 */
class FlowModelKafkaRouteTest extends LoadRouteTestSupport {

    private static final int SCENARIOS = 6;
    private static final List<String> FLOWS = List.of("model-members", "model-facts", "model-patches", "model-orders", "model-mirror",
            "model-readings");

    // Set in settings(), which runs from the constructor: no field initializers.
    private List<Scenario> scenarios;
    /** Per scenario, each flow's topic. */
    private List<Map<String, String>> topics;
    private Path routes;

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        scenarios = new ArrayList<>();
        topics = new ArrayList<>();
        routes = FlowFiles.shippedRoutes("model-routes");
        // The same scenarios every run: a jqwik session with a fixed seed.
        net.jqwik.api.sessions.JqwikSession.start("20");
        try {
            var arbitrary = FlowModelPropertiesTest.kafkaScenarios();
            for (int i = 0; i < SCENARIOS; i++) {
                Scenario scenario = arbitrary.sample();
                Map<String, String> named = new LinkedHashMap<>();
                for (String flow : FLOWS) {
                    String topic = TestNames.topic(flow);
                    Topics.ensure(topic, topic + ".dlq");
                    named.put(flow, topic);
                }
                scenarios.add(scenario);
                topics.add(named);
                Files.writeString(routes.resolve("model-k" + i + ".camel.yaml"), EngineRunner.declarations(scenario.decl(), "k" + i, named::get));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            net.jqwik.api.sessions.JqwikSession.finish();
        }
        return Map.of();
    }

    @Test
    void everyTableEqualsTheModelWithTheTopicsInTheScenariosOrder() throws Exception {
        for (int i = 0; i < SCENARIOS; i++) {
            Scenario scenario = scenarios.get(i);
            FlowModel model = new FlowModel(scenario.decl());
            Producer producer = new Producer(scenario.decl(), topics.get(i));
            for (Batch b : scenario.batches()) {
                model.apply(b);
                producer.send(b);
            }
            try {
                FlowModelPropertiesTest.compare(model, new ModelTables(warehouse, scenario.decl(), "_k" + i));
            } catch (AssertionError e) {
                throw new AssertionError("scenario " + i + ": " + scenario + "\n" + e.getMessage(), e);
            }
        }
    }

    /** Produces a scenario's batches, each to its flow's topic, and waits until each is loaded before the next. */
    private final class Producer {

        private final Scenario.Decl decl;
        private final Map<String, String> topics;
        private final Map<String, Long> sent = new HashMap<>();
        private final List<Batch> applied = new ArrayList<>();

        Producer(Scenario.Decl decl, Map<String, String> topics) {
            this.decl = decl;
            this.topics = topics;
        }

        void send(Batch batch) throws Exception {
            if (batch instanceof Scenario.Replay r) {
                // A range read again: its records delivered once more, as they were.
                if (!applied.isEmpty()) {
                    send(applied.get(r.index() % applied.size()));
                }
                return;
            }
            applied.add(batch);
            if (batch instanceof Scenario.OrderBatch o) {
                List<String[]> records = o.records().stream().map(c -> new String[] {"{\"id\":" + c.id() + "}", EngineRunner.envelope(decl, c)})
                        .toList();
                produce("model-orders", records);
                produce("model-mirror", records);
            } else if (batch instanceof Scenario.DimBatch d) {
                produce("model-members", d.records().stream().map(c -> new String[] {"{\"id\":" + c.id() + "}", EngineRunner.envelope(decl, c)})
                        .toList());
            } else if (batch instanceof Scenario.FactBatch f) {
                produce("model-facts", f.records().stream().map(e -> new String[] {String.valueOf(e.id()), EngineRunner.json(e)}).toList());
            } else if (batch instanceof Scenario.PatchBatch p) {
                produce("model-patches", p.records().stream().map(e -> new String[] {String.valueOf(e.id()), EngineRunner.json(e)}).toList());
            } else if (batch instanceof Scenario.ReadingBatch r) {
                produce("model-readings", r.records().stream().map(e -> new String[] {String.valueOf(e.id()), EngineRunner.json(decl, e)}).toList());
            }
        }

        /** Sends the records to the flow's topic and waits until the flow's position is past all of them. */
        private void produce(String flow, List<String[]> records) throws Exception {
            String topic = topics.get(flow);
            Topics.send(topic, records, "source", "model");
            long total = sent.merge(topic, (long) records.size(), Long::sum);
            await(flow + " loads " + total + " records of " + topic).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() ->
                    warehouse.count("SELECT coalesce(sum(next_offset), 0) FROM etl_offsets WHERE topic = '" + topic + "'") >= total);
        }
    }
}
