package io.tidewater.events;

import java.util.Comparator;
import java.util.List;

import io.tidewater.ops.PipelineStats;
import org.apache.camel.Message;

/** A batch of customer changes in LSN order, applied one by one to the type-2 customer dimension. */
public class CustomerBatch extends LoadBatch<CustomerChange> {

    private final int maxBytes;

    public CustomerBatch(int maxBytes, String group, PipelineStats stats) {
        super(group, stats);
        this.maxBytes = maxBytes;
    }

    @Override
    protected CustomerChange parse(String key, String value) {
        ChangeEnvelope env = ChangeEnvelope.parse(key, value, maxBytes);
        return env == null ? null : CustomerChange.from(env);
    }

    @Override
    protected int toColumns(List<CustomerChange> rows, Message out) {
        List<CustomerChange> sorted = rows.stream().sorted(Comparator.comparingLong(CustomerChange::lsn)).toList();
        int n = sorted.size();
        Long[] ids = new Long[n];
        String[] names = new String[n];
        String[] emails = new String[n];
        String[] segments = new String[n];
        String[] regions = new String[n];
        String[] changedAts = new String[n];
        Long[] lsns = new Long[n];
        Boolean[] deletes = new Boolean[n];
        for (int i = 0; i < n; i++) {
            CustomerChange c = sorted.get(i);
            ids[i] = c.customerId();
            names[i] = c.name();
            emails[i] = c.email();
            segments[i] = c.segment();
            regions[i] = c.region();
            changedAts[i] = c.changedAt().toString();
            lsns[i] = c.lsn();
            deletes[i] = c.deleted();
        }
        out.setHeader("customerIds", ids);
        out.setHeader("names", names);
        out.setHeader("emails", emails);
        out.setHeader("segments", segments);
        out.setHeader("regions", regions);
        out.setHeader("changedAts", changedAts);
        out.setHeader("lsns", lsns);
        out.setHeader("deletes", deletes);
        return n;
    }
}
