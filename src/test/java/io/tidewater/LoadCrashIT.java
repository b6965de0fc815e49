package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;

import io.tidewater.testing.AppProcess;
import io.tidewater.testing.ExpectedWarehouse;
import io.tidewater.testing.Topics;
import io.tidewater.testing.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once into the EDW under crashes: a 200k-event load, with the application killed (kill -9) five times and
 * restarted. The final warehouse must equal the state computed independently from the produced events.
 */
class LoadCrashIT {

    private static final int KILLS = 5;

    @TempDir
    Path dir;

    @Test
    void fiveKillsDuringA200kLoadLeaveExactlyTheExpectedWarehouse() throws Exception {
        Workload w = new Workload(42, 5_000, 20_000, 10_000, 40_000, 130_000, 10_000);
        assertEquals(200_000, w.size(), "workload size");
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.enabled", "false").start();
            awaitHealthy(app);
            long t0 = System.nanoTime();
            produce(app, "cdc.crm.public.customers", w.customerRecords);
            produce(app, "cdc.sales.public.orders", w.orderRecords);
            produce(app, "events.callcenter.calls", w.callRecords);
            produce(app, "events.shipping", w.shippingRecords);
            long downNanos = 0;
            for (int kill = 1; kill <= KILLS; kill++) {
                long from = Math.max(0, loaded(app));
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50)).until(() -> loaded(app) >= from + 12_000);
                app.kill();
                long down = System.nanoTime();
                app.start();
                awaitHealthy(app);
                downNanos += System.nanoTime() - down;
                System.out.printf("kill %d at %d loaded records; restarted%n", kill, from + 12_000);
            }
            // Steady state: from the first progress after the last restart (the group has rejoined) to the end.
            long resumedAt = loaded(app);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).until(() -> loaded(app) > resumedAt);
            long steadyFrom = loaded(app);
            long steadyT0 = System.nanoTime();
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(() -> loaded(app) == w.size());
            double steady = (System.nanoTime() - steadyT0) / 1e9;
            double seconds = (System.nanoTime() - t0 - downNanos) / 1e9;
            System.out.printf("LOAD: %d events in %.1f s of uptime (%.0f events/s overall, %d kills, %.1f s restarting); "
                    + "steady state %d events in %.2f s = %.0f events/s%n", w.size(), seconds, w.size() / seconds, KILLS,
                    downNanos / 1e9, w.size() - steadyFrom, steady, (w.size() - steadyFrom) / steady);

            try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "")) {
                ExpectedWarehouse.verify(c, "edw", w);
            }
        }
    }

    /** Records loaded so far: the sum of the positions stored in etl_offsets (topics start at offset 0). */
    private static long loaded(AppProcess app) {
        try (Connection c = DriverManager.getConnection(app.jdbcUrl("warehouse"), "postgres", "")) {
            return ExpectedWarehouse.scalar(c, "SELECT coalesce(sum(next_offset), 0) FROM edw.etl_offsets");
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitHealthy(AppProcess app) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> app.get("/observe/health").contains("\"UP\""));
    }

    private static void produce(AppProcess app, String topic, List<String[]> records) {
        Topics.produce("localhost:" + app.kafkaPort, topic, records);
    }
}
