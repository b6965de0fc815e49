package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.SharedInfrastructure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 21, "A flow is one declaration": what {@code check} prints about a declaration names the line of the key at
 * fault, and the nearest right spelling where there is one: a misspelled key, column type, dimension, merge rule and
 * topic, each next to the shipped flows.
 */
@ExtendWith(SharedInfrastructure.class)
class CheckLinesTest {

    private static final String TICKETS = """
            format: json
            kind: fact
            table: fact_ticket
            key: ticket_id
            columns:
              ticket_id: {field: id, type: bigint}
              customer_id: {field: customerId, type: bigint}
              minutes: {field: minutes, type: int}
            lookups:
              customer: {column: customer_id, dimension: cdc-customers, into: customer_key}
            """;

    /** check's output over the shipped routes and one flow file of the given text. */
    private static List<String> check(String file) throws Exception {
        Path routes = FlowFiles.shippedRoutes("check-lines");
        Files.writeString(routes.resolve("events-tickets.camel.yaml"), file);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FlowCheck.run(Path.of("application.properties"), routes,
                Map.of("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", SharedInfrastructure.get().bootstrapServers()),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** The 1-based line of the first line of the text that contains what. */
    private static int lineOf(String text, String what) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(what)) {
                return i + 1;
            }
        }
        throw new AssertionError(what + " is not in\n" + text);
    }

    /**
     * The one line of check's output about the flow file that starts so: its error (no prefix), or its note. (A flow
     * that can run is warned about too, since nothing produces its topic here.)
     */
    private static String about(List<String> out, String prefix) {
        List<String> found = out.stream().filter(l -> l.contains("events-tickets.camel.yaml:"))
                .filter(l -> prefix.isEmpty() ? !l.startsWith("note: ") && !l.startsWith("warning: ") : l.startsWith(prefix)).toList();
        assertEquals(1, found.size(), String.join("\n", out));
        return found.get(0);
    }

    private static String file(String properties) {
        return FlowFiles.flow("events-tickets", "tickets", properties);
    }

    @Test
    void aMisspelledKey() throws Exception {
        String f = file(TICKETS + "deltes: ignore\n");
        String line = about(check(f), "");
        assertTrue(line.endsWith(".camel.yaml:" + lineOf(f, "deltes:") + ": flow 'events-tickets': unknown property 'deltes' "
                + "(did you mean 'deletes'?); the properties are source, format, kind, table, key, columns, version, deletes, lookups, "
                + "rollups, scd, surrogateKey, tracked, cache"), line);
    }

    @Test
    void aMisspelledColumnType() throws Exception {
        String f = file(TICKETS.replace("{field: minutes, type: int}", "{field: minutes, type: bigitn}"));
        String line = about(check(f), "");
        assertTrue(line.endsWith(".camel.yaml:" + lineOf(f, "type: bigitn") + ": flow 'events-tickets', column 'minutes': unknown type "
                + "'bigitn' (did you mean 'bigint'?); the types are " + ColumnType.NAMES), line);
    }

    @Test
    void aMisspelledDimension() throws Exception {
        String f = file(TICKETS.replace("dimension: cdc-customers", "dimension: cdc-custmers"));
        String line = about(check(f), "note: ");
        assertTrue(line.endsWith(".camel.yaml:" + lineOf(f, "dimension: cdc-custmers") + ": flow 'events-tickets' will wait for flow "
                + "cdc-custmers (lookup 'customer'), and starts when it is declared (no file declares it: did you mean cdc-customers?)"), line);
    }

    @Test
    void aMisspelledMergeRule() throws Exception {
        String f = file("""
                format: json
                kind: patch
                table: fact_call
                key: event_id
                columns:
                  event_id: {field: eventId, type: uuid}
                  note: {field: note, type: text, merge: lastest}
                """);
        String line = about(check(f), "");
        assertTrue(line.endsWith(".camel.yaml:" + lineOf(f, "merge: lastest") + ": flow 'events-tickets', column 'note': merge must be "
                + "one of first, least, greatest, latest, was 'lastest' (did you mean 'latest'?)"), line);
    }

    @Test
    void aTopicThatIsNoTopicOrNamesAKeyNotSet() throws Exception {
        String spaced = FlowFiles.flow("events-tickets", "tickets, tickets-eu", TICKETS);
        String line = about(check(spaced), "");
        assertTrue(line.endsWith(".camel.yaml:" + lineOf(spaced, "source: {topic") + ": flow 'events-tickets': ' tickets-eu' is not a "
                + "Kafka topic name (the source's topic takes one topic, or several separated by commas without spaces)"), line);

        String misnamed = FlowFiles.flow("events-tickets", "{{tidewater.topics.tickets}}", TICKETS);
        line = about(check(misnamed), "");
        assertTrue(line.endsWith(".camel.yaml:" + lineOf(misnamed, "source: {topic") + ": flow 'events-tickets': its topic names "
                + "tidewater.topics.tickets, which is not set (in application.properties or the environment)"), line);
    }
}
