package io.tidewater.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.tidewater.embedded.FreePorts;

/**
 * The load benchmark's Kafka broker (KRaft, from Kafka's own jars) as a process of its own ({@link BrokerProcess}), so
 * that its CPU is measured apart from the benchmark's and each contestant's.
 */
final class BenchBroker implements AutoCloseable {

    private final Process process;
    private final String bootstrapServers;

    private BenchBroker(Process process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts the broker on free ports with its log directory under {@code dir}, and waits until it is ready. */
    static BenchBroker start(Path dir, int partitions) throws IOException {
        Files.createDirectories(dir);
        Path log = dir.resolve("broker.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), BrokerProcess.class.getName(),
                dir.resolve("data").toString(), String.valueOf(FreePorts.next()), String.valueOf(FreePorts.next()), String.valueOf(partitions))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String[] servers = {null};
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the broker exited: " + Files.readString(log, StandardCharsets.UTF_8));
                }
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (line.startsWith("BROKER READY ")) {
                        servers[0] = line.substring("BROKER READY ".length()).strip();
                    }
                }
                return servers[0] != null;
            });
        } catch (RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        return new BenchBroker(p, servers[0]);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** The broker process's CPU seconds so far. */
    double cpuSeconds() {
        return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
