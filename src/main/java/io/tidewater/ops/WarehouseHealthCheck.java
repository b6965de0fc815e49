package io.tidewater.ops;

import java.sql.Connection;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Reports DOWN while the warehouse cannot hand out a working connection. */
public class WarehouseHealthCheck extends AbstractHealthCheck {

    private final DataSource edw;

    public WarehouseHealthCheck(DataSource edw) {
        super("tidewater", "edw");
        this.edw = edw;
    }

    /** Readiness only: restarting Tidewater does not bring the dependency back, so liveness stays UP meanwhile. */
    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection c = edw.getConnection()) {
            if (c.isValid(2)) {
                builder.up();
            } else {
                builder.message("EDW connection is not valid").down();
            }
        } catch (Exception e) {
            builder.message("EDW unreachable: " + e.getMessage()).error(e).down();
        }
    }
}
