package io.tidewater.warehouse;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/**
 * Versioned schema migrations (Flyway): the engine's own tables in the warehouse, and the demo OLTP databases. The
 * flows' tables are no migration's: they come from the flow declarations (io.tidewater.flow.FlowTables).
 */
public final class Migrations {

    private Migrations() {
    }

    /**
     * The engine's tables (etl_offsets, the trial function), in the given schema (edw in production, a unique name per
     * test). Their own history table: a warehouse an earlier release migrated (its star schema included) is taken as
     * it is, and the engine's migrations, written to run on it, run once more.
     */
    public static void warehouse(DataSource ds, String schema) {
        Flyway.configure()
                .dataSource(ds)
                .schemas(schema)
                .createSchemas(true)
                .table("tidewater_engine_history")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .locations("classpath:db/engine")
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
