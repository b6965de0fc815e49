package io.tidewater.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.tidewater.embedded.FreePorts;

/**
 * The packaged application (target/tidewater.jar) run as a child process in its own working directory,
 * with a copy of routes/ and application.properties and its own free ports, so it can be stopped, killed and restarted.
 */
public final class AppProcess implements AutoCloseable {

    private final Path workDir;
    private final Map<String, String> env = new HashMap<>();
    public final int managementPort = FreePorts.next();
    public final int kafkaPort = FreePorts.next();
    public final int postgresPort = FreePorts.next();
    public final int hawtioPort = FreePorts.next();
    private String command = "run";
    private Process process;
    private Path log;
    private int runs;

    public AppProcess(Path workDir) throws IOException {
        this.workDir = workDir;
        Files.createDirectories(workDir.resolve("routes"));
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            for (Path r : routes.toList()) {
                Files.copy(r, workDir.resolve("routes").resolve(r.getFileName()));
            }
        }
        setProperty("camel.management.port", String.valueOf(managementPort));
        setProperty("tidewater.embedded.kafka.port", String.valueOf(kafkaPort));
        setProperty("tidewater.embedded.kafka.controller-port", String.valueOf(FreePorts.next()));
        setProperty("tidewater.embedded.postgres.port", String.valueOf(postgresPort));
        setProperty("tidewater.status.interval-ms", "2000");
        setProperty("tidewater.hawtio.port", String.valueOf(hawtioPort));
    }

    /** The launcher command to run instead of "run", e.g. "hawtio". */
    public AppProcess command(String name) {
        this.command = name;
        return this;
    }

    /** Replaces (or adds) one key in this run's application.properties. */
    public AppProcess setProperty(String key, String value) throws IOException {
        Path file = workDir.resolve("application.properties");
        List<String> lines = new ArrayList<>(Files.readAllLines(Files.exists(file) ? file : Path.of("application.properties")));
        lines.removeIf(l -> l.startsWith(key + "="));
        lines.add(key + "=" + value);
        Files.write(file, lines);
        return this;
    }

    public AppProcess env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public Path workDir() {
        return workDir;
    }

    public AppProcess start() throws IOException {
        runs++;
        log = workDir.resolve("run-" + runs + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx768m", "-jar", Path.of("target/tidewater.jar").toAbsolutePath().toString(), command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        process = pb.start();
        return this;
    }

    /** Runs another launcher command (e.g. replay ...) in this working directory and waits for it. */
    public Response runCommand(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target/tidewater.jar").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tidewater " + String.join(" ", args) + " did not finish:\n" + output);
        }
        return new Response(p.exitValue(), output);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET on the management port; returns "" while nothing answers. */
    public String get(String path) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** A request to any local port, optionally with basic credentials; status code -1 while nothing answers. */
    public static Response http(String method, String url, String user, String password) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (user != null) {
            b.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(-1, "");
        }
    }

    public record Response(int status, String body) {
    }

    /** Sends n call.completed events for one agent to the app's embedded broker (customer of event i from customerOf). */
    public void produceCalls(String agent, int n, java.util.function.IntToLongFunction customerOf) {
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(new String[] {String.valueOf(i), "{\"eventId\":\"" + java.util.UUID.randomUUID()
                    + "\",\"type\":\"call.completed\",\"customerId\":" + customerOf.applyAsLong(i) + ",\"agentId\":\"" + agent
                    + "\",\"startedAt\":\"2026-11-24T08:00:00Z\",\"durationSec\":60,\"outcome\":\"resolved\"}"});
        }
        produce("events.callcenter.calls", records);
    }

    /** Sends one record to the app's embedded broker. */
    public void produce(String topic, String key, String value) {
        produce(topic, List.<String[]>of(new String[] {key, value}));
    }

    /** Sends (key, value) records to the app's embedded broker and waits for their acks. */
    public void produce(String topic, List<String[]> records) {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + kafkaPort);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringSerializer.class.getName());
        p.put(org.apache.kafka.clients.producer.ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringSerializer.class.getName());
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(p)) {
            for (String[] r : records) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, r[0], r[1]));
            }
            producer.flush();
        }
    }

    /** A single number from the app's warehouse database, or -1 while it does not answer. */
    public long warehouseLong(String sql, Object... params) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl("warehouse"), "postgres", "");
             java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (Exception e) {
            return -1;
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + postgresPort + "/" + database;
    }

    /** Sends SIGTERM and waits; returns the seconds it took to exit. */
    public double terminate(Duration timeout) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("Did not stop within " + timeout + " after SIGTERM");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** SIGTERM, without waiting. */
    public void signalTerm() {
        process.destroy();
    }

    /** kill -9: no shutdown hooks, no cleanup. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public boolean waitForExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int exitValue() {
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (isAlive()) {
            terminate(Duration.ofSeconds(60));
        }
        // Keep the application's logs for diagnosis after the temporary directory is gone.
        Path keep = Path.of("target", "it-logs", workDir.getParent().getFileName() + "-" + workDir.getFileName());
        Files.createDirectories(keep);
        try (Stream<Path> logs = Files.list(workDir)) {
            for (Path l : logs.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(l, keep.resolve(l.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path full = workDir.resolve("data/tidewater.log");
        if (Files.exists(full)) {
            Files.copy(full, keep.resolve("tidewater.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        // A kill -9 leaves the embedded PostgreSQL running; stop it so the test run leaves nothing behind.
        Path pidFile = workDir.resolve("data/postgres/postmaster.pid");
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }
}
