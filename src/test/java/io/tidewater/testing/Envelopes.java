package io.tidewater.testing;

import java.time.Instant;

/** Debezium change envelopes (JSON converter, no schema) for the OLTP tables, shaped like the captured ones in src/test/resources/events. */
public final class Envelopes {

    /** The agent of every call event built here. */
    public static final String AGENT = "agent-1";

    private Envelopes() {
    }

    public static String customer(String op, long id, String name, String segment, String region, long lsn) {
        String row = "{\"id\":" + id + ",\"name\":\"" + name + "\",\"email\":\"c" + id + "@example.com\",\"segment\":\""
                + segment + "\",\"region\":\"" + region + "\",\"updated_at\":\"" + Instant.ofEpochMilli(1_795_500_000_000L + lsn) + "\"}";
        return envelope(op, row, "crm", "customers", lsn);
    }

    public static String order(String op, long id, long customerId, String status, long totalCents, long lsn) {
        String row = "{\"id\":" + id + ",\"customer_id\":" + customerId + ",\"status\":\"" + status + "\",\"total_cents\":" + totalCents
                + ",\"currency\":\"EUR\",\"created_at\":\"2026-11-24T10:00:00Z\",\"updated_at\":\""
                + Instant.ofEpochMilli(1_795_500_000_000L + lsn) + "\"}";
        return envelope(op, row, "sales", "orders", lsn);
    }

    public static String product(String op, long id, String name, String category, long priceCents, long lsn) {
        String row = "{\"id\":" + id + ",\"name\":\"" + name + "\",\"category\":\"" + category + "\",\"price_cents\":" + priceCents + "}";
        return envelope(op, row, "sales", "products", lsn);
    }

    /** The commit time Debezium gives a change at this LSN (source.ts_ms). */
    public static Instant committedAt(long lsn) {
        return Instant.ofEpochMilli(1_795_500_000_000L + lsn);
    }

    private static String envelope(String op, String row, String db, String table, long lsn) {
        boolean delete = op.equals("d");
        long ts = 1_795_500_000_000L + lsn;
        return "{\"before\":" + (delete ? row : "null") + ",\"after\":" + (delete ? "null" : row)
                + ",\"source\":{\"version\":\"3.4.0.Final\",\"connector\":\"postgresql\",\"name\":\"cdc\",\"ts_ms\":" + ts
                + ",\"snapshot\":\"false\",\"db\":\"" + db + "\",\"schema\":\"public\",\"table\":\"" + table + "\",\"txId\":" + (lsn / 10)
                + ",\"lsn\":" + lsn + "},\"op\":\"" + op + "\",\"ts_ms\":" + (ts + 50) + "}";
    }

    public static String call(String eventId, long customerId, String startedAt, int durationSec, String outcome) {
        return "{\"eventId\":\"" + eventId + "\",\"type\":\"call.completed\",\"customerId\":" + customerId
                + ",\"agentId\":\"" + AGENT + "\",\"startedAt\":\"" + startedAt + "\",\"durationSec\":" + durationSec
                + ",\"outcome\":\"" + outcome + "\"}";
    }

    public static String shipment(String eventId, String type, long orderId, String carrier, String occurredAt) {
        return "{\"eventId\":\"" + eventId + "\",\"type\":\"" + type + "\",\"orderId\":" + orderId + ",\"carrier\":\"" + carrier
                + "\",\"occurredAt\":\"" + occurredAt + "\"}";
    }
}
