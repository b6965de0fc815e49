package io.tidewater.capture;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Endpoint;
import org.apache.camel.component.debezium.postgres.DebeziumPostgresEndpoint;
import org.apache.camel.component.debezium.postgres.configuration.PostgresConnectorEmbeddedDebeziumConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A capture route's filtered publication as PostgreSQL holds it: which tables of its include list (matched as Debezium
 * matches them) it lacks, and adding them before the engine starts, each new one with its backfill signal.
 */
public final class CapturePublication {

    private static final Logger LOG = LoggerFactory.getLogger(CapturePublication.class);

    static final String PUBLICATION = "SELECT puballtables FROM pg_publication WHERE pubname = ?";
    static final String PUBLISHED = "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?";
    static final String TABLES = "SELECT n.nspname, c.relname, c.relkind = 'p' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')";
    static final String SLOT_ACTIVE = "SELECT active FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()";
    /** Debezium's execute-snapshot signal; the table is the configured signal table, validated and quoted. */
    static final String SIGNAL = "INSERT INTO %s (id, type, data) VALUES (?, 'execute-snapshot', ?)";
    /** Capture's own tables: in the publication, never published to a topic, so never backfilled. */
    static final Set<String> SUPPORT_TABLES = Set.of("tidewater_signal", "tidewater_heartbeat");
    /** As src/main/resources/db/oltp-common/V2__capture_support.sql makes them. */
    private static final Map<String, String> SUPPORT_DDL = Map.of(
            "tidewater_heartbeat", "CREATE TABLE IF NOT EXISTS public.tidewater_heartbeat (id INTEGER PRIMARY KEY, ts TIMESTAMPTZ NOT NULL)",
            "tidewater_signal", "CREATE TABLE IF NOT EXISTS public.tidewater_signal (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, "
                    + "data VARCHAR(2048))");

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PostgresConnectorEmbeddedDebeziumConfiguration config;
    private final List<String> includeList;

    private CapturePublication(PostgresConnectorEmbeddedDebeziumConfiguration config) {
        this.config = config;
        this.includeList = Arrays.stream(config.getTableIncludeList() == null ? new String[0]
                : config.getTableIncludeList().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The publication of a debezium-postgres endpoint; null for any other endpoint. */
    public static CapturePublication of(Endpoint endpoint) {
        return endpoint instanceof DebeziumPostgresEndpoint e ? new CapturePublication(e.getConfiguration()) : null;
    }

    /** A schema-qualified table, as PostgreSQL's catalog names it. */
    public record Table(String schema, String name) {
        String sql() {
            return quote(schema) + "." + quote(name);
        }

        @Override
        public String toString() {
            return schema + "." + name;
        }
    }

    public String database() {
        return config.getDatabaseDbname();
    }

    public String name() {
        return config.getPublicationName();
    }

    /**
     * What is not in the publication yet: each captured table it lacks (every one while it does not exist), and each
     * include-list entry that names no table, as "entry (no such table)".
     */
    public List<String> missing() throws SQLException {
        try (Connection c = connect()) {
            Captured captured = captured(c);
            Set<Table> published = published(c, captured);
            List<String> out = new ArrayList<>();
            captured.byEntry().forEach((entry, tables) -> {
                if (tables.isEmpty()) {
                    out.add(entry + " (no such table)");
                }
                tables.stream().filter(t -> !captured.partitioned().contains(t))
                        .filter(t -> published == null || !published.contains(t)).map(Table::toString).forEach(out::add);
            });
            return out.stream().distinct().toList();
        }
    }

    /**
     * Before the engine starts: adds the captured tables the publication lacks and, for each new table, writes an
     * incremental-snapshot signal, in one transaction, so a table never enters the publication without its backfill.
     * The engine reads the signals from the slot once it streams. Nothing is done before the first start (no
     * publication or no slot yet: the initial snapshot reads every table). Returns each backfilled table's signal id.
     */
    public Map<Table, String> addMissing(Duration slotWait) throws SQLException {
        try (Connection c = connect()) {
            createSupportTables(c);
            Captured captured = captured(c);
            Set<Table> published = published(c, captured);
            if (published == null || slotActive(c) == null) {
                return Map.of();
            }
            Set<Table> added = new LinkedHashSet<>();
            captured.byEntry().values().forEach(tables -> tables.stream()
                    .filter(t -> !captured.partitioned().contains(t) && !published.contains(t)).forEach(added::add));
            if (added.isEmpty()) {
                return Map.of();
            }
            awaitSlotInactive(c, slotWait);
            Map<Table, String> signals = new LinkedHashMap<>();
            added.stream().filter(t -> !SUPPORT_TABLES.contains(t.name()))
                    .forEach(t -> signals.put(t, "tidewater-backfill-" + UUID.randomUUID()));
            c.setAutoCommit(false);
            try (Statement alter = c.createStatement();
                 PreparedStatement signal = c.prepareStatement(SIGNAL.formatted(signalTable()))) {
                alter.execute("ALTER PUBLICATION " + quote(validName(name())) + " ADD TABLE "
                        + added.stream().map(Table::sql).collect(Collectors.joining(", ")));
                for (Map.Entry<Table, String> s : signals.entrySet()) {
                    ObjectNode data = JSON.createObjectNode();
                    data.putArray("data-collections").add(s.getKey().toString());
                    data.put("type", "incremental");
                    signal.setString(1, s.getValue());
                    signal.setString(2, data.toString());
                    signal.addBatch();
                }
                signal.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            return signals;
        }
    }

    /**
     * Capture's own tables (public.tidewater_heartbeat, which the heartbeat writes, and public.tidewater_signal), made
     * when the database lacks them, so a database is captured from its configuration block alone.
     */
    private static void createSupportTables(Connection c) throws SQLException {
        for (Map.Entry<String, String> t : SUPPORT_DDL.entrySet()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NULL")) {
                ps.setString(1, "public." + t.getKey());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        continue;
                    }
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute(t.getValue());
                LOG.info("Capture {}: created public.{}", c.getCatalog(), t.getKey());
            }
        }
    }

    /** The include list's matches: each entry with its tables, and which of them are partitioned (left to Debezium). */
    private record Captured(Map<String, Set<Table>> byEntry, Set<Table> partitioned) {
    }

    /**
     * Each include-list entry with the tables it matches, as Debezium matches them: a case-insensitive regular
     * expression over schema.table. A partitioned table is published through its partitions, so it is matched but
     * never looked up in the publication.
     */
    private Captured captured(Connection c) throws SQLException {
        List<Table> all = new ArrayList<>();
        Set<Table> partitioned = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(TABLES); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Table t = new Table(rs.getString(1), rs.getString(2));
                all.add(t);
                if (rs.getBoolean(3)) {
                    partitioned.add(t);
                }
            }
        }
        Map<String, Set<Table>> byEntry = new LinkedHashMap<>();
        for (String entry : includeList) {
            Pattern p = Pattern.compile(entry, Pattern.CASE_INSENSITIVE);
            byEntry.put(entry, all.stream().filter(t -> p.matcher(t.toString()).matches())
                    .collect(Collectors.toCollection(LinkedHashSet::new)));
        }
        return new Captured(byEntry, partitioned);
    }

    /** The publication's tables; null while it does not exist; every table when it is FOR ALL TABLES. */
    private Set<Table> published(Connection c, Captured captured) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PUBLICATION)) {
            ps.setString(1, name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (rs.getBoolean(1)) {
                    Set<Table> every = new LinkedHashSet<>();
                    captured.byEntry().values().forEach(every::addAll);
                    return every;
                }
            }
        }
        Set<Table> out = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(PUBLISHED)) {
            ps.setString(1, name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Table(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return out;
    }

    /** Whether the slot is being read; null while it does not exist. */
    private Boolean slotActive(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SLOT_ACTIVE)) {
            ps.setString(1, config.getSlotName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        }
    }

    /**
     * A slot still read by an engine (the previous one of this route, still closing, or another process) would consume
     * the signals with the old include list: wait for it to be released.
     */
    private void awaitSlotInactive(Connection c, Duration wait) throws SQLException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (Boolean.TRUE.equals(slotActive(c))) {
            if (System.nanoTime() > deadline) {
                throw new SQLException("replication slot " + config.getSlotName() + " is still read by another process after "
                        + wait.toSeconds() + " s; run capture in one instance only");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for replication slot " + config.getSlotName(), e);
            }
        }
    }

    private String signalTable() {
        String[] parts = config.getSignalDataCollection().split("\\.");
        List<String> quoted = new ArrayList<>();
        for (String part : parts) {
            quoted.add(quote(validName(part)));
        }
        return String.join(".", quoted);
    }

    private static String validName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a plain SQL name (letters, digits, '_')");
        }
        return name;
    }

    /** A double-quoted identifier; names come from the catalog or are validated, and quotes inside are doubled. */
    static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A short-lived connection as the capture user, bounded in time so that a health probe answers quickly. */
    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", config.getDatabaseUser());
        if (config.getDatabasePassword() != null) {
            p.setProperty("password", config.getDatabasePassword());
        }
        p.setProperty("connectTimeout", "3");
        p.setProperty("socketTimeout", "5");
        p.setProperty("loginTimeout", "3");
        p.setProperty("ApplicationName", "tidewater-capture");
        if (config.getDatabaseSslmode() != null) {
            p.setProperty("sslmode", config.getDatabaseSslmode());
        }
        setIfPresent(p, "sslrootcert", config.getDatabaseSslrootcert());
        setIfPresent(p, "sslcert", config.getDatabaseSslcert());
        setIfPresent(p, "sslkey", config.getDatabaseSslkey());
        setIfPresent(p, "sslpassword", config.getDatabaseSslpassword());
        return DriverManager.getConnection("jdbc:postgresql://" + config.getDatabaseHostname() + ":" + config.getDatabasePort()
                + "/" + config.getDatabaseDbname(), p);
    }

    private static void setIfPresent(Properties p, String key, String value) {
        if (value != null && !value.isBlank()) {
            p.setProperty(key, value);
        }
    }
}
