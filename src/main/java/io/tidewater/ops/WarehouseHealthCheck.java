package io.tidewater.ops;

import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Reports DOWN while the warehouse cannot hand out a working connection within a few seconds, so that a probe gets
 * its answer quickly even while connection attempts hang.
 */
public class WarehouseHealthCheck extends AbstractHealthCheck {

    private static final long TIMEOUT_MS = 3000;
    private static final ExecutorService CHECKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tidewater-edw-health");
        t.setDaemon(true);
        return t;
    });

    private final DataSource edw;

    public WarehouseHealthCheck(DataSource edw) {
        super("tidewater", "edw");
        this.edw = edw;
    }

    /** Readiness only: restarting Tidewater does not bring the warehouse back, so liveness stays UP meanwhile. */
    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        CompletableFuture<Boolean> valid = CompletableFuture.supplyAsync(() -> {
            try (Connection c = edw.getConnection()) {
                return c.isValid(2);
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, CHECKS);
        try {
            if (valid.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                builder.up();
            } else {
                builder.message("EDW connection is not valid").down();
            }
        } catch (TimeoutException e) {
            builder.message("EDW did not answer within " + TIMEOUT_MS + " ms").down();
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            builder.message("EDW unreachable: " + cause.getMessage()).down();
        }
    }
}
