package io.tidewater.events;

import java.util.TreeMap;
import java.util.List;
import java.util.Map;

import io.tidewater.ops.PipelineStats;
import org.apache.camel.Message;

/**
 * A batch of order changes reduced to the newest change (highest LSN) per order, as columns of fact_order. A delete
 * carries only the order id, so when the batch also holds an earlier change of that order, the delete keeps its values.
 */
public class OrderBatch extends LoadBatch<OrderChange> {

    private final int maxBytes;

    public OrderBatch(int maxBytes, String group, PipelineStats stats) {
        super(group, stats);
        this.maxBytes = maxBytes;
    }

    @Override
    protected OrderChange parse(String key, String value) {
        ChangeEnvelope env = ChangeEnvelope.parse(key, value, maxBytes);
        return env == null ? null : OrderChange.from(env);
    }

    @Override
    protected int toColumns(List<OrderChange> rows, Message out) {
        Map<Long, OrderChange> newest = new TreeMap<>();
        for (OrderChange c : rows) {
            newest.merge(c.orderId(), c, OrderBatch::newer);
        }
        int n = newest.size();
        Long[] orderIds = new Long[n];
        Long[] customerIds = new Long[n];
        String[] statuses = new String[n];
        Long[] totals = new Long[n];
        String[] currencies = new String[n];
        String[] createdAts = new String[n];
        String[] updatedAts = new String[n];
        Long[] lsns = new Long[n];
        Boolean[] deleted = new Boolean[n];
        int i = 0;
        for (OrderChange c : newest.values()) {
            orderIds[i] = c.orderId();
            customerIds[i] = c.customerId();
            statuses[i] = c.status();
            totals[i] = c.totalCents();
            currencies[i] = c.currency();
            createdAts[i] = c.createdAt() == null ? null : c.createdAt().toString();
            updatedAts[i] = c.updatedAt() == null ? null : c.updatedAt().toString();
            lsns[i] = c.lsn();
            deleted[i] = c.deleted();
            i++;
        }
        out.setHeader("orderIds", orderIds);
        out.setHeader("customerIds", customerIds);
        out.setHeader("statuses", statuses);
        out.setHeader("totals", totals);
        out.setHeader("currencies", currencies);
        out.setHeader("createdAts", createdAts);
        out.setHeader("updatedAts", updatedAts);
        out.setHeader("lsns", lsns);
        out.setHeader("deleted", deleted);
        return n;
    }

    private static OrderChange newer(OrderChange a, OrderChange b) {
        OrderChange newer = a.lsn() >= b.lsn() ? a : b;
        OrderChange older = newer == a ? b : a;
        if (newer.deleted() && !older.deleted()) {
            return new OrderChange(newer.orderId(), older.customerId(), older.status(), older.totalCents(), older.currency(),
                    older.createdAt(), older.updatedAt(), newer.lsn(), true);
        }
        return newer;
    }
}
