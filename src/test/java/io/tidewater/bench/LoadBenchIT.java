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

/**
 * The load benchmark's smoke mode, so the harness does not rot: 10,000 events through all three contestants and a
 * short latency run, then the report files. Only completeness is asserted here, never timings.
 */
class LoadBenchIT {

    @Test
    void smokeRunWritesTheResultTheTableAndTheChart() throws Exception {
        Path out = Path.of("target", "bench-smoke");
        Path peerClasspath = Path.of("target", "bench-peer.classpath").toAbsolutePath();
        Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-f", "bench/peer/pom.xml", "dependency:build-classpath",
                "-Dmdep.outputFile=" + peerClasspath).inheritIO().start();
        assertTrue(mvn.waitFor(10, TimeUnit.MINUTES) && mvn.exitValue() == 0, "the peer's classpath (bench/peer/pom.xml)");

        LoadBench.run(10_000, out, Files.readString(peerClasspath).strip(), 3);

        JsonNode result = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        for (String field : List.of("events", "tidewater_eps", "baseline_eps", "peer_eps", "ratio_baseline", "ratio_peer",
                "p50_ms", "p99_ms", "heap_mb")) {
            assertTrue(result.has(field), "result.json has " + field);
        }
        assertEquals(10_000, result.get("events").asLong());
        for (String field : List.of("tidewater_eps", "baseline_eps", "peer_eps", "heap_mb")) {
            assertTrue(result.get(field).asDouble() > 0, field + " measured");
        }
        assertTrue(Files.readString(out.resolve("result.md")).contains("| Tidewater |"));
        assertTrue(Files.size(out.resolve("result.png")) > 10_000, "the chart");
    }
}
