package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.tidewater.flow.FlowBatch;
import io.tidewater.flow.FlowSql;
import io.tidewater.flow.Flows;
import io.tidewater.flow.RecordReader;
import io.tidewater.testing.NamedSql;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
import org.apache.camel.Message;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 11, points 4 and 5: two connections apply changes of the same customer, one holding its transaction open while
 * the other waits, in both orders and for every pair of change kinds. The writers are those that meet in production: a
 * consumer whose partition moved away still writing its in-flight batch [x] while the new owner writes [x, y], or a
 * side replay of [x] next to the live route's [x, y]. The dimension must equal the versions computed here by applying
 * the changes once each in LSN order; and the enricher's lookup of a customer being deleted returns its last version,
 * never a resurrected inferred member. The statements are those the engine generates from routes/cdc-customers.camel.yaml.
 */
@ExtendWith(SharedInfrastructure.class)
class CustomerVersionsConcurrencyTest {

    private static final String CUSTOMERS = "cdc-customers";
    /** The shipped flows, so the statement under test is the one the customers flow runs. */
    private static final Flows FLOWS = new Flows(Flows.read(Path.of("routes"),
            v -> v.replaceAll("\\{\\{([^}]+)}}", "$1").replaceAll(".*(size|seconds)$", "1")), 1024, "test", null);
    private final Warehouse warehouse = Warehouse.create(TestNames.schema("scd2"));
    private long nextId = 1;

    enum Kind { SEGMENT, NAME, DELETE }

    /** A change as the capture would carry it; name, segment and region are the row after the change. */
    record Change(long id, String name, String segment, String region, long lsn, boolean delete) {
        Instant at() {
            return Instant.parse("2026-11-24T00:00:00Z").plusSeconds(lsn);
        }
    }

    /** One expected dimension row. */
    record Version(String name, String segment, String region, boolean current, long lsn) {
    }

    @AfterEach
    void close() {
        warehouse.close();
    }

    @Test
    void concurrentChangesOfOneCustomerEqualTheirLsnOrder() throws Exception {
        for (Kind first : Kind.values()) {
            for (Kind second : Kind.values()) {
                for (boolean longerHoldsFirst : new boolean[] {false, true}) {
                    long id = nextId++;
                    Change created = new Change(id, "Ada", "smb", "emea", 1, false);
                    Change x = change(id, first, 10, created);
                    Change y = change(id, second, 20, x.delete() ? created : x);
                    String scenario = first + " then " + second + (longerHoldsFirst ? ": [x, y] holds, [x] waits" : ": [x] holds, [x, y] waits");
                    try (Connection c = warehouse.dataSource().getConnection()) {
                        apply(c, List.of(created));
                    }
                    List<Change> shorter = List.of(x);
                    List<Change> longer = List.of(x, y);
                    interleave(longerHoldsFirst ? longer : shorter, longerHoldsFirst ? shorter : longer);
                    assertEquals(inLsnOrder(List.of(created, x, y)), actual(id), scenario);
                }
            }
        }
    }

    @Test
    void theEnricherWaitsForADeleteAndGetsTheLastVersionNotAnInferredMember() throws Exception {
        long id = nextId++;
        try (Connection c = warehouse.dataSource().getConnection()) {
            apply(c, List.of(new Change(id, "Ada", "smb", "emea", 1, false)));
        }
        try (Connection deleting = warehouse.dataSource().getConnection(); Connection enricher = warehouse.dataSource().getConnection()) {
            deleting.setAutoCommit(false);
            apply(deleting, List.of(new Change(id, null, null, null, 5, true)));
            int enricherPid = pid(enricher);
            CompletableFuture<long[]> lookup = CompletableFuture.supplyAsync(() -> ensure(enricher, id));
            awaitWaiting(enricherPid);
            deleting.commit();
            long[] found = lookup.get(30, TimeUnit.SECONDS);
            assertEquals(onlyKey(id), found[0], "the deleted customer's last version");
            assertEquals(5, found[1], "with the delete's LSN");
        }
        assertEquals(List.of(new Version("Ada", "smb", "emea", false, 5)), actual(id));
        // Later lookups (the cache entry expired) still find the closed version and create nothing.
        try (Connection c = warehouse.dataSource().getConnection()) {
            ensure(c, id);
        }
        assertEquals(1, warehouse.count("SELECT count(*) FROM dim_customer WHERE customer_id = " + id));
        assertFalse(warehouse.rows("SELECT 1 FROM dim_customer WHERE customer_id = ? AND (is_current OR is_inferred)", id).size() > 0);
    }

    private static Change change(long id, Kind kind, long lsn, Change before) {
        return switch (kind) {
            case SEGMENT -> new Change(id, before.name(), before.segment().equals("smb") ? "enterprise" : "smb", before.region(), lsn, false);
            case NAME -> new Change(id, before.name() + "+", before.segment(), before.region(), lsn, false);
            case DELETE -> new Change(id, null, null, null, lsn, true);
        };
    }

    /** The first change's transaction stays open while the second one's call waits; then both commit. */
    private void interleave(List<Change> holder, List<Change> waiter) throws Exception {
        try (Connection first = warehouse.dataSource().getConnection(); Connection second = warehouse.dataSource().getConnection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            apply(first, holder);
            int secondPid = pid(second);
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
                try {
                    apply(second, waiter);
                    second.commit();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitWaiting(secondPid);
            first.commit();
            waiting.get(30, TimeUnit.SECONDS);
        }
    }

    /** Until the backend waits for a lock: the other transaction holds the customer. */
    private void awaitWaiting(int pid) {
        await().atMost(Duration.ofSeconds(30)).until(() -> warehouse.count(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid + " AND wait_event_type = 'Lock'") == 1);
    }

    private static int pid(Connection c) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The versions that applying the changes one by one in LSN order gives, by the dimension's rules. */
    private static List<Version> inLsnOrder(List<Change> changes) {
        List<Version> versions = new ArrayList<>();
        for (Change ch : changes.stream().sorted(Comparator.comparingLong(Change::lsn)).toList()) {
            int last = versions.size() - 1;
            Version cur = last >= 0 && versions.get(last).current() ? versions.get(last) : null;
            if (ch.delete()) {
                if (cur != null) {
                    versions.set(last, new Version(cur.name(), cur.segment(), cur.region(), false, ch.lsn()));
                }
            } else if (cur == null) {
                versions.add(new Version(ch.name(), ch.segment(), ch.region(), true, ch.lsn()));
            } else if (!cur.segment().equals(ch.segment()) || !cur.region().equals(ch.region())) {
                versions.set(last, new Version(cur.name(), cur.segment(), cur.region(), false, cur.lsn()));
                versions.add(new Version(ch.name(), ch.segment(), ch.region(), true, ch.lsn()));
            } else {
                versions.set(last, new Version(ch.name(), ch.segment(), ch.region(), true, ch.lsn()));
            }
        }
        return versions;
    }

    private List<Version> actual(long id) {
        List<Version> out = new ArrayList<>();
        warehouse.rows("SELECT name, segment, region, is_current, source_lsn FROM dim_customer WHERE customer_id = ? ORDER BY customer_key", id)
                .forEach(r -> out.add(new Version((String) r.get("name"), (String) r.get("segment"), (String) r.get("region"),
                        (Boolean) r.get("is_current"), ((Number) r.get("source_lsn")).longValue())));
        return out;
    }

    private long onlyKey(long id) {
        return warehouse.count("SELECT customer_key FROM dim_customer WHERE customer_id = " + id);
    }

    /** One batch of the customers flow with these changes, through the statement the engine generates for it. */
    private void apply(Connection c, List<Change> changes) throws Exception {
        List<RecordReader.Row> rows = new ArrayList<>();
        for (Change ch : changes) {
            rows.add(new RecordReader.Row(new Object[] {ch.id(), ch.name(), ch.name() == null ? null : ch.name().toLowerCase() + "@example.com",
                    ch.segment(), ch.region()}, ch.lsn(), ch.delete(), ch.at().toString()));
        }
        Message headers = new DefaultMessage(new DefaultCamelContext());
        FLOWS.batch(CUSTOMERS).columns(rows, headers);
        Map<String, Object> params = new HashMap<>(headers.getHeaders());
        params.putAll(NamedSql.noOffsets());
        NamedSql.execute(c, FLOWS.statementFor(CUSTOMERS, headers.getHeader(FlowBatch.ROUNDS, Integer.class)), params);
    }

    /** The lookup's resolution of one id, as the flow-lookup route runs it: its (customer_key, source_lsn). */
    private long[] ensure(Connection c, long id) {
        try {
            Map<String, Object> missing = Map.of("missing", new Long[] {id});
            NamedSql.execute(c, FlowSql.ensure(FLOWS.flow(CUSTOMERS)), missing);
            Map<String, Object> row = NamedSql.execute(c, FlowSql.newest(FLOWS.flow(CUSTOMERS), "missing"), missing).get(0);
            return new long[] {((Number) row.get("surrogate_key")).longValue(), ((Number) row.get("lsn")).longValue()};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
