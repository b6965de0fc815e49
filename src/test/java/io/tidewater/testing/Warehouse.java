package io.tidewater.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.tidewater.warehouse.DataSources;
import io.tidewater.warehouse.Migrations;

/**
 * A warehouse under a unique schema name in the shared test database: the engine's tables and the demo flows' tables,
 * with query helpers for assertions.
 */
public final class Warehouse implements AutoCloseable {

    private final HikariDataSource ds;
    private final String schema;

    private Warehouse(HikariDataSource ds, String schema) {
        this.ds = ds;
        this.schema = schema;
    }

    public static Warehouse create(String schema) {
        SharedInfrastructure.Stack stack = SharedInfrastructure.get();
        HikariDataSource ds = DataSources.pooled(schema, stack.jdbcUrl(SharedInfrastructure.WAREHOUSE_DB), "postgres", null, schema, 4);
        Migrations.warehouse(ds, schema);
        DemoTables.create(ds);
        return new Warehouse(ds, schema);
    }

    public HikariDataSource dataSource() {
        return ds;
    }

    public String schema() {
        return schema;
    }

    /** Runs a query (table names resolve in this warehouse's schema) and returns the first column of the first row. */
    public long count(String sql) {
        List<Map<String, Object>> rows = rows(sql);
        return ((Number) rows.get(0).values().iterator().next()).longValue();
    }

    public List<Map<String, Object>> rows(String sql, Object... params) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<Map<String, Object>> out = new ArrayList<>();
                int cols = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= cols; i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Runs a statement that returns no rows (DDL, say) in this warehouse's schema. */
    public void execute(String sql) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    @Override
    public void close() {
        ds.close();
    }
}
