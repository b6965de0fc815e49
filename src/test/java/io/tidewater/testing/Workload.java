package io.tidewater.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * A reproducible mixed load (customer and order change envelopes, call and shipping events) and the warehouse state it
 * must produce, computed independently of Tidewater from the generated events.
 */
public final class Workload {

    public record Customer(String name, String segment, String region) {
    }

    public record Order(long customerId, String status, long totalCents, boolean deleted) {
    }

    public record Call(long customerId, String agentId, Instant startedAt, int durationSec, String outcome) {
    }

    public static final String[] SEGMENTS = {"consumer", "smb", "enterprise"};
    public static final String[] REGIONS = {"emea", "amer", "apac"};
    public static final String[] OUTCOMES = {"resolved", "escalated", "dropped"};

    public final List<String[]> customerRecords = new ArrayList<>();
    public final List<String[]> orderRecords = new ArrayList<>();
    public final List<String[]> callRecords = new ArrayList<>();
    public final List<String[]> shippingRecords = new ArrayList<>();

    /** Expected: each customer's current attributes and its number of dimension versions. */
    public final Map<Long, Customer> customers = new HashMap<>();
    public final Map<Long, Integer> versions = new HashMap<>();
    public final Map<Long, Order> orders = new HashMap<>();
    public final Map<String, Call> calls = new HashMap<>();
    public final Map<Long, Instant> shippedAt = new HashMap<>();
    public final Map<Long, Instant> deliveredAt = new HashMap<>();
    public final Map<Long, String> carrier = new HashMap<>();

    public Workload(long seed, int customerCount, int customerChanges, int orderCount, int orderChanges, int callCount, int shippingCount) {
        Random rnd = new Random(seed);
        long lsn = 1000;
        for (int i = 0; i < customerChanges; i++) {
            long id = i < customerCount ? i + 1 : 1 + rnd.nextInt(customerCount);
            Customer before = customers.get(id);
            Customer next = new Customer("Customer " + id + (before == null ? "" : " v" + i),
                    before == null || rnd.nextInt(3) == 0 ? SEGMENTS[rnd.nextInt(3)] : before.segment(),
                    before == null || rnd.nextInt(5) == 0 ? REGIONS[rnd.nextInt(3)] : before.region());
            lsn += 1 + rnd.nextInt(50);
            customerRecords.add(new String[] {String.valueOf(id),
                    Envelopes.customer(before == null ? "c" : "u", id, next.name(), next.segment(), next.region(), lsn)});
            boolean newVersion = before == null || !before.segment().equals(next.segment()) || !before.region().equals(next.region());
            versions.merge(id, newVersion ? 1 : 0, Integer::sum);
            customers.put(id, next);
        }
        String[] statuses = {"created", "paid", "packed", "shipped", "completed"};
        int created = 0;
        while (orderRecords.size() < orderChanges) {
            long id = created < orderCount ? ++created : 1 + rnd.nextInt(orderCount);
            Order before = orders.get(id);
            if (before != null && before.deleted()) {
                continue;
            }
            lsn += 1 + rnd.nextInt(50);
            if (before != null && rnd.nextInt(25) == 0 && orderRecords.size() + 2 <= orderChanges) {
                orderRecords.add(new String[] {String.valueOf(id),
                        Envelopes.order("d", id, before.customerId(), before.status(), before.totalCents(), lsn)});
                orderRecords.add(new String[] {String.valueOf(id), null});
                orders.put(id, new Order(before.customerId(), before.status(), before.totalCents(), true));
                continue;
            }
            Order next = new Order(before == null ? 1 + rnd.nextInt(customerCount + customerCount / 10) : before.customerId(),
                    statuses[rnd.nextInt(statuses.length)], 100 + rnd.nextInt(100_000), false);
            orderRecords.add(new String[] {String.valueOf(id),
                    Envelopes.order(before == null ? "c" : "u", id, next.customerId(), next.status(), next.totalCents(), lsn)});
            orders.put(id, next);
        }
        Instant base = Instant.parse("2026-11-24T00:00:00Z");
        for (int i = 0; i < callCount; i++) {
            String id = new UUID(seed, i).toString();
            long customerId = 1 + rnd.nextInt(customerCount + customerCount / 10);
            int duration = 10 + rnd.nextInt(1800);
            Instant startedAt = base.plusSeconds(rnd.nextInt(48 * 3600));
            String outcome = OUTCOMES[rnd.nextInt(OUTCOMES.length)];
            callRecords.add(new String[] {String.valueOf(customerId),
                    Envelopes.call(id, customerId, startedAt.toString(), duration, outcome)});
            calls.put(id, new Call(customerId, Envelopes.AGENT, startedAt, duration, outcome));
        }
        for (int i = 0; i < shippingCount; i++) {
            long orderId = 1 + rnd.nextInt(orderCount + orderCount / 10);
            boolean dispatched = rnd.nextBoolean();
            Instant at = base.plusSeconds(rnd.nextInt(72 * 3600));
            String c = new String[] {"dhl", "ups", "fedex"}[rnd.nextInt(3)];
            shippingRecords.add(new String[] {String.valueOf(orderId), Envelopes.shipment(new UUID(seed + 1, i).toString(),
                    dispatched ? "shipment.dispatched" : "shipment.delivered", orderId, c, at.toString())});
            (dispatched ? shippedAt : deliveredAt).merge(orderId, at, (a, b) -> a.isBefore(b) ? a : b);
            carrier.putIfAbsent(orderId, c);
        }
    }

    public int size() {
        return customerRecords.size() + orderRecords.size() + callRecords.size() + shippingRecords.size();
    }
}
