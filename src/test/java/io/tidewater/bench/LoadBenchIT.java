package io.tidewater.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The load benchmark's smoke mode, so the harness does not rot: 10,000 events through a one-configuration peer sweep, a round of all
 * five contestants and a short latency run of each star contestant, then the report files; and the growth mode on
 * 20,000 events with a live replay. Only completeness is asserted here, never timings.
 */
class LoadBenchIT {

    @Test
    void smokeRunWritesTheResultTheTableAndTheChart() throws Exception {
        Path out = Path.of("target", "bench-smoke");
        Path peerClasspath = Path.of("target", "bench-peer.classpath").toAbsolutePath();
        Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-f", "bench/peer/pom.xml", "dependency:build-classpath",
                "-Dmdep.outputFile=" + peerClasspath).inheritIO().start();
        assertTrue(mvn.waitFor(10, TimeUnit.MINUTES) && mvn.exitValue() == 0, "the peer's classpath (bench/peer/pom.xml)");

        int exit = new CommandLine(new LoadBench()).execute("10000", "--rounds", "1", "--latency-seconds", "2", "--sweep-events", "5000",
                "--sweep-sizes", "500", "--sweep-reduction-buffer", "true", "--sweep-unnest-insert", "true", "--sweep-tasks", "1", "--out", out.toString(), "--peer-classpath", peerClasspath.toString());
        assertEquals(0, exit, "the benchmark's exit code");

        JsonNode result = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        for (String field : List.of("events", "tidewater_eps", "baseline_eps", "peer_eps", "peer_config", "ratio_baseline", "ratio_peer",
                "ratio_peer_spread", "mirror_eps", "peer_mirror_eps", "ratio_mirror_peer", "p50_ms", "p99_ms", "p999_ms", "peer_p99_ms",
                "baseline_p99_ms", "heap_mb")) {
            assertTrue(result.has(field), "result.json has " + field);
        }
        assertEquals(10_000, result.get("events").asLong());
        for (String field : List.of("tidewater_eps", "baseline_eps", "peer_eps", "mirror_eps", "peer_mirror_eps", "heap_mb", "p99_ms",
                "peer_p99_ms", "baseline_p99_ms")) {
            assertTrue(result.get(field).asDouble() > 0, field + " measured");
        }
        // The CPU budget: each contestant's process CPU, warehouse statement time and broker CPU per million events. A
        // smoke run's CPU can round to nothing (a contestant may load its few events between two samples); its statements
        // always take time.
        for (String field : List.of("tidewater_cpu_s", "baseline_cpu_s", "peer_cpu_s", "tidewater_broker_cpu_s", "tidewater_mirror_cpu_s",
                "peer_mirror_cpu_s", "peer_mirror_broker_cpu_s")) {
            assertTrue(result.get(field).isNumber() && result.get(field).asDouble() >= 0, field + " reported");
        }
        for (String field : List.of("tidewater_warehouse_s", "baseline_warehouse_s", "peer_warehouse_s", "tidewater_mirror_warehouse_s",
                "peer_mirror_warehouse_s", "peer_version")) {
            assertTrue(result.get(field).isNumber() && result.get(field).asDouble() > 0, field + " measured");
        }
        assertTrue(result.get("peer_release").asText().startsWith(result.get("peer_version").asText()), "the peer's release");
        assertEquals(2, result.get("ratio_peer_spread").size(), "the spread of the rounds' ratios (lowest, highest)");
        assertEquals(1, result.get("peer_sweep").size(), "the sweep's one configuration");
        assertTrue(result.get("peer_config").has("use.reduction.buffer"));
        assertTrue(result.get("peer_config").get("dialect.postgres.unnest.insert.enabled").asBoolean(), "the unnest insert swept");
        String table = Files.readString(out.resolve("result.md"));
        assertTrue(table.contains("| Tidewater mirror flows |") && table.contains("| Kafka Connect + Debezium JDBC sink |"), table);
        assertTrue(table.contains("CPU budget per million events"), table);
        assertTrue(Files.size(out.resolve("result.png")) > 10_000, "the chart");
    }

    @Test
    void growthRunWritesTheGrowthRatioAndTheReplayRate() throws Exception {
        Path out = Path.of("target", "bench-smoke-growth");
        int exit = new CommandLine(new LoadBench()).execute("20000", "--growth", "--replay-calls", "6000", "--out", out.toString());
        assertEquals(0, exit, "the benchmark's exit code");

        JsonNode growth = new ObjectMapper().readTree(out.resolve("growth.json").toFile());
        assertEquals(20_000, growth.get("growth_events").asLong());
        assertTrue(growth.get("growth_ratio").asDouble() > 0, "growth_ratio measured");
        assertTrue(growth.get("growth_middle_ratio").asDouble() > 0, "growth_middle_ratio measured");
        assertTrue(growth.get("replay_calls").asLong() >= 6000, "the replayed range covers the calls asked for");
        assertTrue(growth.get("replay_eps").asDouble() > 0, "replay_eps measured");
        JsonNode result = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        assertEquals(growth.get("growth_ratio"), result.get("growth_ratio"), "result.json carries the growth ratio");
        assertTrue(Files.size(out.resolve("growth.png")) > 10_000, "the chart");
    }
}
