package io.tidewater.load;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

import io.tidewater.warehouse.RefusedInput;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.support.ExchangeHelper;

/**
 * Sorts what the warehouse answered a batch with. A data error is the warehouse refusing some of the records for good
 * (SQLSTATE class 22 data exception, class 23 integrity constraint, 54000 a value over a limit such as an index row):
 * retrying the same batch cannot succeed, so the batch is split until exactly those records are dead-lettered
 * ({@link BatchIsolation}). Everything else (connection loss, deadlocks, serialization failures, shutdowns, timeouts,
 * and errors that are not a record's fault, such as a broken mapping) is retried with back-off and moves nothing.
 */
public class WarehouseErrors {

    /** The onException predicate for trials: their failures go straight back to the search, never retried. */
    public boolean isTrial(Exchange exchange) {
        Batch batch = exchange.getProperty(Batch.PROPERTY, Batch.class);
        return batch != null && batch.role() == Batch.Role.TRIAL;
    }

    public enum Kind { TRANSIENT, DATA, OTHER }

    /** The kind of a failure, from the first SQLException in its cause chain. */
    public static Kind classify(Throwable failure) {
        SQLException sql = sqlException(failure);
        if (sql == null) {
            return Kind.OTHER;
        }
        String state = sqlState(sql);
        if (RefusedInput.refuses(state)) {
            return Kind.DATA;
        }
        if (sql instanceof SQLTransientException || sql instanceof SQLRecoverableException) {
            return Kind.TRANSIENT;
        }
        if (state != null && (state.startsWith("08") || state.equals("40001") || state.equals("40P01")
                || state.startsWith("57P") || state.startsWith("53") || state.equals("57014"))) {
            return Kind.TRANSIENT;
        }
        return Kind.OTHER;
    }

    /** The first SQLException in a cause chain, or null. */
    public static SQLException sqlException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException e) {
                return e;
            }
        }
        return null;
    }

    /**
     * The driver's own exception in a cause chain (the last SQLException in it, under the ones that carry it on, such as
     * {@link RefusedInput}), or null: what a dead letter reports.
     */
    public static SQLException driverException(Throwable failure) {
        SQLException last = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException e) {
                last = e;
            }
        }
        return last;
    }

    /** The SQLSTATE of an exception or of the first chained SQLException that has one. */
    public static String sqlState(SQLException e) {
        return RefusedInput.state(e);
    }

    /**
     * The onException predicate for isolation: a data error, raised in the write route of the batch's flow (not in a
     * sub-route such as the lookups' enricher, whose exchange is a copy), for a batch that is no trial.
     */
    public boolean isRecordRejection(Exchange exchange) {
        Throwable caught = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Batch batch = exchange.getProperty(Batch.PROPERTY, Batch.class);
        if (classify(caught) != Kind.DATA || batch == null || batch.role() == Batch.Role.TRIAL) {
            return false;
        }
        Route route = exchange.getContext().getRoute(ExchangeHelper.getRouteId(exchange));
        return route != null && route.getEndpoint().equals(exchange.getContext().getEndpoint(FlowPipeline.endpoint(batch)));
    }
}
