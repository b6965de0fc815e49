package io.tidewater.flow;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, "A flow is one declaration": a flow file of an earlier release, the bean and the two templatedRoutes that ran
 * it, still loads unchanged next to one declared by its bean alone; its routes keep the ids the file gives them, and
 * check says how to shorten it.
 */
class EarlierFlowFilesRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PROPERTIES = """
            format: json
            kind: fact
            table: %s
            key: id
            columns:
              id: {field: id, type: bigint}
              label: {field: label, type: text}
            """;

    // Set in settings(), which runs from the constructor: no field initializers.
    private String earlierTopic;
    private String currentTopic;
    private Path routes;

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        earlierTopic = TestNames.topic("earlier");
        currentTopic = TestNames.topic("current");
        try {
            Topics.ensure(earlierTopic, earlierTopic + ".dlq", currentTopic, currentTopic + ".dlq");
            routes = FlowFiles.shippedRoutes("earlier-routes");
            Files.writeString(routes.resolve("events-earlier.camel.yaml"),
                    FlowFiles.withTemplatedRoutes("events-earlier", earlierTopic, PROPERTIES.formatted("fact_earlier")));
            Files.writeString(routes.resolve("events-current.camel.yaml"),
                    FlowFiles.flow("events-current", currentTopic, PROPERTIES.formatted("fact_current")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of();
    }

    private static List<String[]> events(String prefix, int n) {
        List<String[]> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(new String[] {String.valueOf(i), "{\"id\":" + i + ",\"label\":\"" + prefix + i + "\"}"});
        }
        return out;
    }

    @Test
    void aFileWithTemplatedRoutesLoadsUnchangedNextToABeanAlone() throws Exception {
        Topics.send(earlierTopic, events("e", 5), null, null);
        Topics.send(currentTopic, events("c", 7), null, null);

        await("both flows loaded").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_earlier") == 5
                && warehouse.count("SELECT count(*) FROM fact_current") == 7);
        assertEquals(List.of(Map.of("id", 5L, "label", "e5")), warehouse.rows("SELECT id, label FROM fact_earlier WHERE id = 5"));
        assertEquals(List.of(Map.of("id", 7L, "label", "c7")), warehouse.rows("SELECT id, label FROM fact_current WHERE id = 7"));
        // The file's own route ids; the bean alone gets the flow's name and a fixed suffix.
        assertNotNull(context.getRoute("events-earlier"));
        assertNotNull(context.getRoute("apply-events-earlier"));
        assertNull(context.getRoute(FlowSpec.applyRoute("events-earlier")));
        assertNotNull(context.getRoute("events-current"));
        assertNotNull(context.getRoute("events-current-apply"));
        assertEquals(0L, Topics.size(earlierTopic + ".dlq") + Topics.size(currentTopic + ".dlq"));

        // Shortened while it runs: the routes the file named go, the flow's own take over where they stopped.
        try (RoutesWatcher watcher = new RoutesWatcher(context, context.getRegistry().findSingleByType(Flows.class), routes).start()) {
            Path aside = routes.resolve("events-earlier.new");
            Files.writeString(aside, FlowFiles.flow("events-earlier", earlierTopic, PROPERTIES.formatted("fact_earlier")));
            Files.move(aside, routes.resolve("events-earlier.camel.yaml"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            await("the flow's own routes").atMost(WAIT).until(() -> context.getRoute("apply-events-earlier") == null
                    && context.getRoute("events-earlier-apply") != null && context.getRoute("events-earlier") != null);
            Topics.send(earlierTopic, events("e", 9), null, null);
            await("loaded on").atMost(WAIT).until(() -> warehouse.count("SELECT count(*) FROM fact_earlier") == 9);
        }
        assertEquals(List.of(Map.of("id", 9L, "label", "e9")), warehouse.rows("SELECT id, label FROM fact_earlier WHERE id = 9"));
        assertEquals(0L, Topics.size(earlierTopic + ".dlq"));
    }

    @Test
    void checkSaysHowToShortenAFileWithTemplatedRoutes() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FlowCheck.run(Path.of("application.properties"), routes,
                Map.of("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", SharedInfrastructure.get().bootstrapServers()),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> notes = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("note: ")
                && l.contains("declared by its bean alone")).toList();
        assertEquals(List.of("note: " + routes.resolve("events-earlier.camel.yaml") + ":2: flow 'events-earlier' can be declared "
                + "by its bean alone: add source: {topic: " + earlierTopic + "} to its properties and delete its two templatedRoutes "
                + "(its apply route is then named events-earlier-apply)"), notes);

        // The shortened file declares the same flow.
        Path shortened = routes.resolveSibling(routes.getFileName() + "-shortened");
        Files.createDirectories(shortened);
        Files.writeString(shortened.resolve("events-earlier.camel.yaml"),
                FlowFiles.flow("events-earlier", earlierTopic, PROPERTIES.formatted("fact_earlier")));
        FlowSpec earlier = new FlowReader(v -> v).read(routes.resolve("events-earlier.camel.yaml")).get(0);
        FlowSpec bean = new FlowReader(v -> v).read(shortened.resolve("events-earlier.camel.yaml")).get(0);
        assertEquals(List.of(earlier.kind(), earlier.table(), earlier.key(), earlier.columns(), earlier.topic(), earlier.consumers()),
                List.of(bean.kind(), bean.table(), bean.key(), bean.columns(), bean.topic(), bean.consumers()));
        assertTrue(earlier.routesInFile() && !bean.routesInFile());
    }
}
