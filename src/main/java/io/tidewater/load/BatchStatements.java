package io.tidewater.load;

import java.util.List;
import java.util.Map;

import io.tidewater.flow.DimensionCache;
import io.tidewater.flow.Flows;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.jdbc.JdbcConstants;

/**
 * The write route's statements for a batch: its batch statement with the batch's parameters, and for a dimension the
 * statement reading back the members it touched, which go through to its cache.
 */
public class BatchStatements {

    /** A trial's last statement: it always fails (SQLSTATE TW001), so that nothing of the trial commits. */
    static final String TRIAL_STATEMENT = ";\nSELECT tidewater_trial_passed()";

    private final Flows flows;

    public BatchStatements(Flows flows) {
        this.flows = flows;
    }

    /**
     * The batch's statement as the flows are declared now (see {@link io.tidewater.flow.FlowStatements#current}), its
     * parameters bound for the warehouse call that follows; a trial's ends in a statement that always fails.
     */
    public String statement(Exchange exchange) {
        Batch batch = exchange.getProperty(Batch.PROPERTY, Batch.class);
        String sql = flows.statements().current(batch.flow(), batch.rounds(), batch.prepared());
        if (batch.role() == Batch.Role.TRIAL) {
            sql += TRIAL_STATEMENT;
        }
        batch.given(sql);
        exchange.getMessage().setHeader(JdbcConstants.JDBC_PARAMETERS, batch.parameters());
        return sql;
    }

    /**
     * Whether the batch's members are read back for its dimension's cache once it is written (asked of this bean, not of
     * the batch in a simple expression: Camel's bean language would keep each batch it was asked about).
     */
    public boolean writesThrough(@ExchangeProperty(Batch.PROPERTY) Batch batch) {
        return batch.writeThrough();
    }

    /** After a dimension batch is written: the statement reading the newest version of the members it touched. */
    public String newest(@ExchangeProperty(Batch.PROPERTY) Batch batch) {
        return flows.statements().newest(batch.flowName());
    }

    /** The members a dimension batch touched, as the warehouse has them now, through to its cache. */
    public void writeThrough(List<Map<String, Object>> rows, @ExchangeProperty(Batch.PROPERTY) Batch batch) {
        DimensionCache cache = flows.caches().get(batch.flowName());
        if (cache != null) {
            cache.putNewer(DimensionCache.entries(rows));
        }
    }
}
