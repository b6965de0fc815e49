package io.tidewater.warehouse;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Pooled connections (HikariCP): one round trip per statement, never one connection per statement. */
public final class DataSources {

    private DataSources() {
    }

    public static HikariDataSource pooled(String name, String url, String user, String password, String schema, int size) {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName(name);
        cfg.setJdbcUrl(url);
        cfg.setUsername(user);
        if (password != null) {
            cfg.setPassword(password);
        }
        cfg.setMaximumPoolSize(size);
        cfg.setMinimumIdle(1);
        cfg.setConnectionTimeout(10_000);
        cfg.setInitializationFailTimeout(-1);
        if (schema != null) {
            cfg.setSchema(schema);
        }
        cfg.addDataSourceProperty("reWriteBatchedInserts", "true");
        cfg.addDataSourceProperty("ApplicationName", "tidewater");
        return new HikariDataSource(cfg);
    }
}
