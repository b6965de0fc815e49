package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.tidewater.load.DeadLetters;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A fact's lookup key that the warehouse refuses in a dimension keyed by text (a NUL, which no PostgreSQL text can
 * hold; a key too large for the dimension's index): the event goes to the dead-letter topic with the warehouse's
 * SQLSTATE, the others of its batch are loaded with their members, and the flow goes on with what comes after.
 */
class LookupKeyRefusedRouteTest extends LoadRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(90);

    // Set in settings(), which runs from the constructor: no field initializers.
    private String usage;
    private Path routes;

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        usage = TestNames.topic("usage");
        String things = TestNames.topic("things");
        try {
            Topics.ensure(usage, usage + ".dlq", things, things + ".dlq");
            routes = FlowFiles.shippedRoutes("lookup-refused-routes");
            Files.writeString(routes.resolve("cdc-things.camel.yaml"), FlowFiles.flow("cdc-things", things, """
                    format: debezium
                    kind: dimension
                    table: dim_thing
                    key: thing_code
                    surrogateKey: thing_key
                    scd: 2
                    tracked: label
                    columns:
                      thing_code: {field: code, type: text}
                      label: {field: label, type: text}
                    """));
            Files.writeString(routes.resolve("events-usage.camel.yaml"), FlowFiles.flow("events-usage", usage, """
                    format: json
                    kind: fact
                    table: fact_usage
                    key: usage_id
                    columns:
                      usage_id: {field: usageId, type: uuid}
                      thing_code: {field: code, type: text}
                      units: {field: units, type: int}
                    lookups:
                      thing: {column: thing_code, dimension: cdc-things, into: thing_key}
                    """));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of("tidewater.load.max-event-bytes", "65536");
    }

    private static String[] event(UUID id, String codeJson, int units) {
        return new String[] {id.toString(), "{\"usageId\":\"" + id + "\",\"code\":" + codeJson + ",\"units\":" + units + "}"};
    }

    @Test
    void aRefusedLookupKeyIsDeadLetteredAndTheRestLoad() throws Exception {
        List<String[]> first = new ArrayList<>();
        List<UUID> good = new ArrayList<>();
        UUID bad = UUID.randomUUID();
        for (String code : List.of("alpha", "beta", "gamma")) {
            UUID id = UUID.randomUUID();
            good.add(id);
            first.add(event(id, "\"" + code + "\"", code.length()));
        }
        first.add(1, event(bad, "\"nul\\u0000here\"", 7));
        // Random hex: no compression brings it under the largest index row.
        StringBuilder huge = new StringBuilder();
        java.util.Random random = new java.util.Random(22);
        while (huge.length() < 12_000) {
            huge.append(Long.toHexString(random.nextLong()));
        }
        UUID tooLarge = UUID.randomUUID();
        first.add(event(tooLarge, "\"" + huge + "\"", 9));
        Topics.send(usage, first, null, null);

        await("the good events of the batch").atMost(WAIT).untilAsserted(() ->
                assertEquals(3L, warehouse.count("SELECT count(*) FROM fact_usage f JOIN dim_thing d ON d.thing_key = f.thing_key"
                        + " AND d.thing_code = f.thing_code")));
        List<ConsumerRecord<String, String>> dead = Topics.readAll(usage + ".dlq", 2, WAIT);
        assertEquals(2, dead.size());
        Map<String, String> states = new java.util.TreeMap<>();
        for (ConsumerRecord<String, String> d : dead) {
            assertTrue(d.value().contains(d.key()), d.value());
            assertEquals("org.postgresql.util.PSQLException", new String(d.headers().lastHeader(DeadLetters.ERROR_CLASS).value(),
                    StandardCharsets.UTF_8), "the warehouse's own answer");
            states.put(d.key(), new String(d.headers().lastHeader(DeadLetters.ERROR_SQLSTATE).value(), StandardCharsets.UTF_8));
        }
        assertEquals(new java.util.TreeMap<>(Map.of(bad.toString(), "22021", tooLarge.toString(), "54000")), states);

        // The flow is not held: what comes after loads, with its member.
        UUID later = UUID.randomUUID();
        Topics.send(usage, List.<String[]>of(event(later, "\"delta\"", 5)), null, null);
        await("the event after").atMost(WAIT).untilAsserted(() -> assertEquals(1L, warehouse.count(
                "SELECT count(*) FROM fact_usage f JOIN dim_thing d USING (thing_key) WHERE f.usage_id = '" + later + "' AND d.thing_code = 'delta'")));
        assertEquals(List.of("alpha", "beta", "delta", "gamma"), warehouse.rows("SELECT thing_code FROM dim_thing ORDER BY thing_code").stream()
                .map(r -> (String) r.get("thing_code")).toList());
        assertEquals(0L, warehouse.count("SELECT count(*) FROM fact_usage WHERE usage_id IN ('" + bad + "', '" + tooLarge + "')"));
    }
}
