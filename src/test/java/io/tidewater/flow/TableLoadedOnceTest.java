package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidewater.LoadBeans;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table is loaded by one flow: a second fact (or dimension, or mirror) of the shipped calls' table fact_call, whose
 * rows would reach neither agg_calls_hourly nor the customer lookup, is refused by the start and by {@code check} at its
 * {@code table} key, naming events-calls. (A live reload: {@link FlowReloadRouteTest}.)
 */
@ExtendWith(SharedInfrastructure.class)
class TableLoadedOnceTest {

    @TempDir
    Path dir;

    private Path routes;
    private Path second;

    @BeforeEach
    void routes() throws Exception {
        routes = dir.resolve("routes");
        Files.createDirectories(routes);
        try (var shipped = Files.list(Path.of("routes"))) {
            for (Path f : shipped.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        second = routes.resolve("events-calls2.camel.yaml");
        Files.writeString(second, FlowFiles.flow("events-calls2", "events.callcenter.calls2", """
                format: json
                kind: fact
                table: fact_call
                key: event_id
                columns:
                  event_id: {field: eventId, type: uuid}
                  customer_id: {field: customerId, type: bigint}
                """));
    }

    private String expected() throws Exception {
        int line = Files.readAllLines(second).indexOf("        table: fact_call") + 1;
        assertTrue(line > 0);
        return second + ":" + line + ": flow 'events-calls2' loads table fact_call, which flow 'events-calls' loads already; a table is "
                + "loaded by one flow (a patch may update its columns)";
    }

    private static Map<String, String> shippedSettings() throws Exception {
        Map<String, String> settings = new HashMap<>();
        Properties shipped = new Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            shipped.load(in);
        }
        shipped.stringPropertyNames().forEach(k -> settings.put(k, shipped.getProperty(k)));
        return settings;
    }

    @Test
    void theStartRefusesASecondFlowLoadingATable() throws Exception {
        Map<String, Object> bound = new HashMap<>();
        try (Warehouse w = Warehouse.create(TestNames.schema("twice"))) {
            FlowException e = assertThrows(FlowException.class, () -> LoadBeans.bind(bound::put, w.dataSource(),
                    TidewaterConfig.of(shippedSettings()), new SimpleMeterRegistry(), SharedInfrastructure.get().bootstrapServers(), routes));
            assertEquals(expected(), e.getMessage());
            assertTrue(bound.isEmpty(), bound.keySet().toString());
        }
    }

    @Test
    void checkRefusesASecondFlowLoadingATable() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = FlowCheck.run(Path.of("application.properties"), routes,
                Map.of("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", SharedInfrastructure.get().bootstrapServers()),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, status, String.join("\n", lines));
        assertTrue(lines.contains(expected()), String.join("\n", lines));
        assertTrue(lines.get(lines.size() - 1).startsWith("1 problem(s): "), String.join("\n", lines));

        // The same flow as a patch of fact_call's other columns passes.
        Files.writeString(second, FlowFiles.flow("events-calls2", "events.callcenter.calls2", """
                format: json
                kind: patch
                table: fact_call
                key: event_id
                columns:
                  event_id: {field: eventId, type: uuid}
                  note: {field: note, type: text, merge: latest}
                """));
        bytes.reset();
        FlowCheck.run(Path.of("application.properties"), routes, Map.of("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS",
                SharedInfrastructure.get().bootstrapServers()), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.lines().noneMatch(l -> l.contains("loads table")), out);
    }
}
