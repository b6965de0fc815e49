package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.tidewater.config.TidewaterConfig;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, "CDC beyond the demo": {@code check} warns about a flow that reads a topic nothing captures or produces: one
 * under a capture's prefix whose table the capture does not list, and one that does not exist or holds no record.
 */
@ExtendWith(SharedInfrastructure.class)
class CheckTopicsTest {

    @TempDir
    Path dir;

    private FlowSpec flow(String name, String topic) throws Exception {
        Path file = dir.resolve(name + ".camel.yaml");
        Files.writeString(file, FlowFiles.flow(name, topic, """
                format: json
                kind: fact
                table: fact_%s
                key: id
                columns:
                  id: {field: id, type: bigint}
                """.formatted(name.replace('-', '_'))));
        return new FlowReader(v -> v).read(file).get(0);
    }

    @Test
    void aTopicNothingCapturesOrProducesIsWarnedAbout() throws Exception {
        String produced = TestNames.topic("produced");
        String empty = TestNames.topic("empty");
        Topics.send(produced, List.<String[]>of(new String[] {"1", "{\"id\":1}"}), null, null);
        Topics.ensure(empty);
        List<FlowSpec> flows = new ArrayList<>(List.of(flow("cdc-orders", "cdc.sales.public.orders"), flow("cdc-invoices", "cdc.sales.public.invoices"),
                flow("events-produced", produced), flow("events-empty", empty), flow("events-missing", TestNames.topic("missing"))));
        TidewaterConfig config = TidewaterConfig.of(Map.of("tidewater.capture.sales.topic-prefix", "cdc.sales",
                "tidewater.capture.sales.tables", "public.orders", "tidewater.kafka.bootstrap-servers", SharedInfrastructure.get().bootstrapServers()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FlowCheck.uncaptured(flows, config, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> warnings = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(0).contains("'cdc-invoices' reads cdc.sales.public.invoices, which no capture produces: add its table to "
                + "tidewater.capture.sales.tables"), warnings.get(0));
        assertTrue(warnings.stream().anyMatch(w -> w.contains("'events-empty'") && w.contains("holds no record")), String.join("\n", warnings));
        assertTrue(warnings.stream().anyMatch(w -> w.contains("'events-missing'") && w.contains("does not exist")), String.join("\n", warnings));
    }
}
