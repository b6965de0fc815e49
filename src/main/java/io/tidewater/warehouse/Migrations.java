package io.tidewater.warehouse;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/** Versioned schema migrations (Flyway) for the warehouse and the demo OLTP databases. */
public final class Migrations {

    private Migrations() {
    }

    /** The EDW star schema, in the given schema name (edw in production, a unique name per test). */
    public static void warehouse(DataSource ds, String schema) {
        Flyway.configure()
                .dataSource(ds)
                .schemas(schema)
                .createSchemas(true)
                .locations("classpath:db/edw")
                .load()
                .migrate();
    }

    /** One demo OLTP database (crm or sales): its tables, plus the heartbeat and signal tables capture uses. */
    public static void oltp(DataSource ds, String database) {
        Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/" + database, "classpath:db/oltp-common")
                .load()
                .migrate();
    }
}
