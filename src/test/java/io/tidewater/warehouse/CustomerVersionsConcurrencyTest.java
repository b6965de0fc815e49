package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.tidewater.flow.DimensionSql;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.Flows;
import io.tidewater.flow.Parameters;
import io.tidewater.flow.RecordReader;
import io.tidewater.load.Batch;
import io.tidewater.load.FlowBatch;
import io.tidewater.testing.NamedSql;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
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
 *
 * <p>Issue 13: rollups take no table-wide lock, yet a calls batch of a customer known only as an inferred member and the
 * customer's change that fills the member in must not interleave. Whichever transaction holds first, every call ends up
 * in the hourly groups of the customer's real region and segment, and no unknown group is left.
 */
@ExtendWith(SharedInfrastructure.class)
class CustomerVersionsConcurrencyTest {

    private static final String CUSTOMERS = "cdc-customers";
    private static final String CALLS = "events-calls";
    /** The shipped flows, so the statement under test is the one the customers flow runs. */
    private static final Flows FLOWS = new Flows(Flows.read(Path.of("routes"),
            v -> v.replaceAll("\\{\\{([^}]+)}}", "$1").replaceAll(".*(size|seconds)$", "1")));
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

    /** A call of the test's input: its hour group follows from startedAt. */
    record Call(String eventId, long customerId, Instant startedAt, int durationSec) {
    }

    @Test
    void callsOfAnInferredCustomerLandInItsRealGroupsWhicheverTransactionCommitsFirst() throws Exception {
        for (boolean callsHoldFirst : new boolean[] {false, true}) {
            long id = nextId++;
            long key;
            try (Connection c = warehouse.dataSource().getConnection()) {
                key = ensure(c, id)[0];
            }
            Instant day = Instant.parse("2026-11-01T00:00:00Z").plus(Duration.ofDays(id));
            List<Call> before = List.of(call(id, day.plusSeconds(600), 30), call(id, day.plusSeconds(4200), 45));
            List<Call> racing = List.of(call(id, day.plusSeconds(700), 60), call(id, day.plusSeconds(7300), 90));
            try (Connection c = warehouse.dataSource().getConnection()) {
                applyCalls(c, before, key);
            }
            Change filled = new Change(id, "Ada", "enterprise", "apac", 10, false);
            String scenario = callsHoldFirst ? "the calls batch holds, the customer waits" : "the customer holds, the calls batch waits";
            try (Connection calls = warehouse.dataSource().getConnection(); Connection customers = warehouse.dataSource().getConnection()) {
                calls.setAutoCommit(false);
                customers.setAutoCommit(false);
                Connection holder = callsHoldFirst ? calls : customers;
                Connection waiter = callsHoldFirst ? customers : calls;
                Runnable holds = () -> run(callsHoldFirst ? () -> applyCalls(calls, racing, key) : () -> apply(customers, List.of(filled)));
                Runnable waits = () -> run(callsHoldFirst ? () -> apply(customers, List.of(filled)) : () -> applyCalls(calls, racing, key));
                holds.run();
                int waiterPid = pid(waiter);
                CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
                    waits.run();
                    run(waiter::commit);
                });
                // The waiter either waits for a lock or (were nothing to stop it) finishes; the holder commits after.
                await().atMost(Duration.ofSeconds(30)).until(() -> second.isDone() || warehouse.count(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = " + waiterPid + " AND wait_event_type = 'Lock'") == 1);
                holder.commit();
                second.get(30, TimeUnit.SECONDS);
            }
            Map<List<Object>, List<Long>> expected = new TreeMap<>(Comparator.comparing(Object::toString));
            for (Call call : Stream.concat(before.stream(), racing.stream()).toList()) {
                Instant hour = call.startedAt().truncatedTo(ChronoUnit.HOURS);
                expected.merge(List.of(hour, filled.region(), filled.segment()), List.of(1L, (long) call.durationSec()),
                        (a, b) -> List.of(a.get(0) + b.get(0), a.get(1) + b.get(1)));
            }
            Map<List<Object>, List<Long>> actual = new TreeMap<>(Comparator.comparing(Object::toString));
            warehouse.rows("SELECT hour, region, segment, calls, total_duration_sec FROM agg_calls_hourly WHERE hour >= ? AND hour < ?",
                    Timestamp.from(day), Timestamp.from(day.plus(Duration.ofDays(1)))).forEach(r -> actual.put(
                    List.of(((Timestamp) r.get("hour")).toInstant(), r.get("region"), r.get("segment")),
                    List.of(((Number) r.get("calls")).longValue(), ((Number) r.get("total_duration_sec")).longValue())));
            assertEquals(expected, actual, scenario);
        }
    }

    private static Call call(long customerId, Instant startedAt, int durationSec) {
        return new Call(UUID.randomUUID().toString(), customerId, startedAt, durationSec);
    }

    /** One batch of the calls flow, every call looked up to the member key as the cache holds it (inferred: no LSN). */
    private void applyCalls(Connection c, List<Call> calls, long key) throws Exception {
        List<RecordReader.Row> rows = new ArrayList<>();
        for (Call call : calls) {
            rows.add(new RecordReader.Row(boundValues(CALLS, Map.of("event_id", call.eventId(), "type", "call.completed", "customer_id", call.customerId(),
                    "agent_id", "a-1", "started_at", call.startedAt().toString(), "duration_sec", call.durationSec(), "outcome", "resolved")),
                    0, false, null));
        }
        Map<String, Object> params = new HashMap<>(new FlowBatch(FLOWS.flow(CALLS), 65_536).bound(rows).parameters());
        Long[] keys = new Long[calls.size()];
        Arrays.fill(keys, key);
        params.put(Parameters.surrogateKeys(0), keys);
        params.put(Parameters.inferredKeys(0), new Long[] {key});
        params.putAll(NamedSql.noOffsets());
        NamedSql.execute(c, FLOWS.statements().statementFor(CALLS, 1), params);
    }

    /** A record's values in the order of the flow's bound columns, by column name. */
    private static Object[] boundValues(String flow, Map<String, Object> byName) {
        return FLOWS.flow(flow).bound().stream().map(FlowSpec.Column::name).map(byName::get).toArray();
    }

    interface SqlStep {
        void run() throws Exception;
    }

    private static void run(SqlStep step) {
        try {
            step.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
                    ch.segment(), ch.region()}, ch.lsn(), ch.delete(), ch.at()));
        }
        Batch batch = new FlowBatch(FLOWS.flow(CUSTOMERS), 65_536).bound(rows);
        Map<String, Object> params = new HashMap<>(batch.parameters());
        params.putAll(NamedSql.noOffsets());
        NamedSql.execute(c, FLOWS.statements().statementFor(CUSTOMERS, batch.rounds()), params);
    }

    /** The lookup's resolution of one id, as the flow-lookup route runs it: its (customer_key, source_lsn). */
    private long[] ensure(Connection c, long id) {
        try {
            Map<String, Object> missing = Map.of("missing", new Long[] {id});
            NamedSql.execute(c, DimensionSql.ensure(FLOWS.flow(CUSTOMERS)), missing);
            Map<String, Object> row = NamedSql.execute(c, DimensionSql.newest(FLOWS.flow(CUSTOMERS), "missing"), missing).get(0);
            return new long[] {((Number) row.get("surrogate_key")).longValue(), ((Number) row.get("lsn")).longValue()};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
