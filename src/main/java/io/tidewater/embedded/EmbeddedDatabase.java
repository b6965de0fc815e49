package io.tidewater.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Embedded PostgreSQL 17 (zonky binaries) with logical decoding on, whose cluster lives in a directory that survives restarts. */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    public static final String USER = "postgres";

    private final Path dataDir;
    private final int port;
    private final Map<String, String> extraConfig = new LinkedHashMap<>();
    private EmbeddedPostgres postgres;

    public EmbeddedDatabase(Path dataDir, int port) {
        this.dataDir = dataDir.toAbsolutePath();
        this.port = port == 0 ? FreePorts.next() : port;
    }

    /** A server setting on top of the defaults (e.g. shared_preload_libraries for a benchmark); call before start. */
    public EmbeddedDatabase withServerConfig(String key, String value) {
        extraConfig.put(key, value);
        return this;
    }

    public EmbeddedDatabase start() throws IOException {
        Files.createDirectories(dataDir.getParent());
        stopOrphanedServer();
        FreePorts.requireFree(port, "tidewater.embedded.postgres.port");
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setRegisterShutdownHook(false)
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "20")
                .setServerConfig("max_wal_senders", "20")
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on");
        extraConfig.forEach(builder::setServerConfig);
        postgres = builder.start();
        LOG.info("Embedded PostgreSQL listening on localhost:{} (cluster in {})", port, dataDir);
        return this;
    }

    /**
     * After a kill -9 of the JVM (or a stop that did not finish), the postmaster it started keeps running on this
     * cluster, with its backends. It is stopped here so that this start can own the cluster: a fast shutdown first
     * (SIGINT: sessions are ended, nothing waits for clients), then an immediate one (SIGQUIT), and the start goes on
     * only once the postmaster and every backend it had are gone, since a backend left over keeps the cluster's shared
     * memory and a new postmaster would not start.
     */
    private void stopOrphanedServer() throws IOException {
        Optional<ProcessHandle> handle = orphanedPostmaster();
        if (handle.isEmpty()) {
            return;
        }
        ProcessHandle postmaster = handle.get();
        List<ProcessHandle> backends = postmaster.descendants().toList();
        LOG.warn("Stopping PostgreSQL (pid {}, {} backends) left running by an earlier run on {}", postmaster.pid(),
                backends.size(), dataDir);
        if (!signal(postmaster, "INT", Duration.ofSeconds(20)) && !signal(postmaster, "QUIT", Duration.ofSeconds(10))) {
            postmaster.destroyForcibly();
        }
        for (ProcessHandle backend : backends) {
            if (!waitForExit(backend, Duration.ofSeconds(10))) {
                backend.destroyForcibly();
                waitForExit(backend, Duration.ofSeconds(5));
            }
        }
        LOG.info("The earlier run's PostgreSQL has stopped");
    }

    /** The postmaster that postmaster.pid names, if it is alive and is a postgres serving this data directory. */
    private Optional<ProcessHandle> orphanedPostmaster() throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.size() < 2) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Path servedDir = Path.of(lines.get(1).trim());
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
                .filter(p -> servedDir.toAbsolutePath().normalize().equals(dataDir.normalize()));
    }

    /** Sends a signal with kill(1), which Java's process API cannot, and waits for the process to exit. */
    private static boolean signal(ProcessHandle process, String signal, Duration wait) throws IOException {
        try {
            new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return waitForExit(process, wait);
    }

    private static boolean waitForExit(ProcessHandle process, Duration wait) {
        try {
            process.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return !process.isAlive();
        }
    }

    /** Creates a database unless it exists. Names come from configuration, so they are checked before use in DDL. */
    public void ensureDatabase(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("Not a plain database name: " + name);
        }
        try (Connection c = postgres.getPostgresDatabase().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name);
            }
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }
}
