package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.OutageProxy;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The warehouse becomes unreachable for 30 s mid-load: no offset moves while it is down, and nothing is lost after.
 * The outage outlasts max.poll.interval.ms (10 s here), so the stuck consumers lose their partitions meanwhile and
 * rejoin afterwards (issue 11, point 9): still nothing is lost or duplicated.
 *
 * <p>Issue 13: a consumer hands its prepared batches to a writer. Stopped while its writer waits for the warehouse, the
 * route still stops (the writer gives up), and once started again nothing is lost or counted twice.
 */
class WarehouseOutageRouteTest extends LoadRouteTestSupport {

    @Override
    protected Map<String, String> settings() {
        return Map.of("tidewater.load.max-poll-interval-ms", "10000");
    }

    private OutageProxy proxy;
    private HikariDataSource viaProxy;

    @Override
    protected DataSource routeDataSource() {
        try {
            proxy = new OutageProxy(SharedInfrastructure.get().postgresPort()).up();
            viaProxy = DataSources.pooled("via-proxy", "jdbc:postgresql://localhost:" + proxy.port() + "/"
                    + SharedInfrastructure.WAREHOUSE_DB, "postgres", null, warehouse.schema(), 4);
            return viaProxy;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void closeProxy() throws Exception {
        viaProxy.close();
        proxy.close();
    }

    @Test
    void nothingMovesWhileTheWarehouseIsDownAndTheBacklogDrainsAfter() throws Exception {
        Topics.send(calls, callEvents(3000), null, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> warehouse.count("SELECT count(*) FROM fact_call") == 3000);

        proxy.down();
        Topics.send(calls, callEvents(3000), null, null);
        Topics.send(orders, List.<String[]>of(new String[] {"1", Envelopes.order("c", 1, 1, "created", 100, 10)}), null, null);
        // Whatever was in flight when the link dropped has failed by now; from here on nothing may move.
        Map<String, Long> edwBefore = await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(this::edwOffsets, m -> true);
        Map<TopicPartition, Long> kafkaBefore = kafkaOffsets();
        await().during(Duration.ofSeconds(26)).atMost(Duration.ofSeconds(30)).until(() ->
                edwOffsets().equals(edwBefore) && kafkaOffsets().equals(kafkaBefore)
                        && warehouse.count("SELECT count(*) FROM fact_call") == 3000);
        // By now the calls consumer, stuck retrying for longer than max.poll.interval.ms, has left its group.
        assertEquals(0, members(group + ".events-calls"), "the stuck consumer left the group");
        // Its batches come from the cache alone, so it is its writer that waits for the warehouse. Stopped meanwhile,
        // the route still stops (the writer gives up), and the batches are read again once it is started.
        CompletableFuture.runAsync(() -> {
            try {
                context.getRouteController().stopRoute("events-calls");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).get(90, TimeUnit.SECONDS);
        assertEquals(3000L, warehouse.count("SELECT count(*) FROM fact_call"), "nothing written while the warehouse was away");

        proxy.up();
        context.getRouteController().startRoute("events-calls");
        await().atMost(Duration.ofSeconds(90)).until(() -> warehouse.count("SELECT count(*) FROM fact_call") == 6000
                && warehouse.count("SELECT count(*) FROM fact_order") == 1);
        assertEquals(6000L, warehouse.count("SELECT sum(next_offset) FROM etl_offsets WHERE topic = '" + calls + "'"));
        assertEquals(6000L, warehouse.count("SELECT sum(calls) FROM agg_calls_hourly"));
        await().atMost(Duration.ofSeconds(60)).until(() -> members(group + ".events-calls") == 1);
    }

    private static int members(String consumerGroup) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            return admin.describeConsumerGroups(List.of(consumerGroup)).all().get().get(consumerGroup).members().size();
        }
    }

    private static List<String[]> callEvents(int n) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new String[] {String.valueOf(i % 100),
                    Envelopes.call(UUID.randomUUID().toString(), i % 100, "2026-11-24T1" + (i % 10) + ":00:00Z", 60, "resolved")});
        }
        return out;
    }

    private Map<String, Long> edwOffsets() {
        return warehouse.rows("SELECT topic || '/' || partition AS tp, next_offset FROM etl_offsets").stream()
                .collect(Collectors.toMap(r -> (String) r.get("tp"), r -> ((Number) r.get("next_offset")).longValue()));
    }

    private Map<TopicPartition, Long> kafkaOffsets() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group + ".events-calls")
                    .partitionsToOffsetAndMetadata().get();
            return m.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }
}
