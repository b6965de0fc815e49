package io.tidewater.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;

import io.tidewater.warehouse.DataSources;
import io.tidewater.warehouse.Migrations;

/** Capture against the shared PostgreSQL: the demo OLTP tables, a test's capture settings, and its slots dropped after. */
public final class CaptureFixture {

    static final String[] DATABASES = {"crm", "sales"};

    private CaptureFixture() {
    }

    /** The crm and sales tables (and capture's heartbeat and signal tables), as in production. */
    public static void migrateOltp() {
        for (String db : DATABASES) {
            try (var ds = DataSources.pooled("migrate-" + db, SharedInfrastructure.get().jdbcUrl(db), "postgres", null, null, 2)) {
                Migrations.oltp(ds, db);
            }
        }
    }

    /** Capture of both databases into <prefix>.<db>.public.<table>, with the slots <slot>_crm and <slot>_sales. */
    public static Map<String, String> settings(String prefix, String slot) {
        SharedInfrastructure.Stack stack = SharedInfrastructure.get();
        Map<String, String> p = new HashMap<>();
        p.put("tidewater.kafka.bootstrap-servers", stack.bootstrapServers());
        p.put("tidewater.capture.enabled", "true");
        p.put("tidewater.capture.offsets-topic", prefix + ".offsets");
        p.put("tidewater.capture.offsets-replication-factor", "1");
        p.put("tidewater.capture.heartbeat-interval-ms", "1000");
        for (String db : DATABASES) {
            p.put("tidewater.capture." + db + ".hostname", "localhost");
            p.put("tidewater.capture." + db + ".port", String.valueOf(stack.postgresPort()));
            p.put("tidewater.capture." + db + ".dbname", db);
            p.put("tidewater.capture." + db + ".user", "postgres");
            p.put("tidewater.capture." + db + ".password", "test");
            p.put("tidewater.capture." + db + ".slot", slot + "_" + db);
            p.put("tidewater.capture." + db + ".topic-prefix", prefix + "." + db);
        }
        return p;
    }

    /** Drops the test's replication slots once nothing reads them, so they hold no WAL after the test. */
    public static void dropSlots(String slot) throws Exception {
        for (String db : DATABASES) {
            try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl(db), "postgres", "");
                 PreparedStatement ps = c.prepareStatement(
                         "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
                ps.setString(1, slot + "_" + db);
                ps.executeQuery().close();
            }
        }
    }
}
