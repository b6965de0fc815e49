package io.tidewater.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.flow.DryRun;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.FlowTables;
import io.tidewater.flow.Flows;
import io.tidewater.flow.Placeholders;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A warehouse that an earlier release migrated: its star schema came from migrations (src/test/resources/db/earlier-edw,
 * as that release shipped them), its history in flyway_schema_history. The engine's migrations run on it and the demo's
 * flows take its tables as they are: every row stays, and every statement of the demo runs on them.
 */
@ExtendWith(SharedInfrastructure.class)
class WarehouseUpgradeTest {

    @Test
    void aWarehouseAnEarlierReleaseMigratedKeepsItsRowsAndTakesTheDemoFlows() throws Exception {
        String schema = TestNames.schema("upgrade");
        SharedInfrastructure.Stack stack = SharedInfrastructure.get();
        try (HikariDataSource ds = DataSources.pooled(schema, stack.jdbcUrl(SharedInfrastructure.WAREHOUSE_DB), "postgres", null,
                schema, 2)) {
            Flyway.configure().dataSource(ds).schemas(schema).createSchemas(true).locations("classpath:db/earlier-edw").load().migrate();
            execute(ds, "INSERT INTO etl_offsets (consumer_group, topic, partition, next_offset) VALUES ('tidewater-load', 'calls', 0, 42)");
            execute(ds, "INSERT INTO dim_customer (customer_id, valid_from, is_current, is_inferred) VALUES (7, now(), TRUE, TRUE)");

            Migrations.warehouse(ds, schema);
            Migrations.warehouse(ds, schema);      // and again, as every start does
            List<FlowSpec> demo = Flows.read(Path.of("routes"),
                    Placeholders.of(TidewaterConfig.load(Path.of("application.properties"), Map.of())));
            FlowTables.prepare(ds, demo);

            assertEquals(42L, single(ds, "SELECT next_offset FROM etl_offsets WHERE topic = 'calls'"));
            assertEquals(7L, single(ds, "SELECT customer_id FROM dim_customer WHERE is_inferred"));
            assertEquals(1L, single(ds, "SELECT count(*) FROM tidewater_engine_history WHERE success AND version = '1'"));
            DryRun.Result dry = DryRun.run(ds, demo);
            assertEquals(List.of(), dry.refusals().stream().map(r -> r.error().getMessage()).toList());
            assertTrue(dry.statements() > 0);
        }
    }

    private static void execute(HikariDataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static long single(HikariDataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
