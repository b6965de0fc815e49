package io.tidewater.flow;

import java.sql.SQLException;

/** A statement made from a flow's declaration that the warehouse refused, with its text (for the line at fault). */
public class FlowStatementException extends SQLException {

    private final transient FlowSpec flow;
    private final String what;
    private final String sql;

    public FlowStatementException(FlowSpec flow, String what, String sql, SQLException cause) {
        super(cause.getMessage(), cause.getSQLState(), cause);
        this.flow = flow;
        this.what = what;
        this.sql = sql;
    }

    /** The flow the statement was made for. */
    public FlowSpec flow() {
        return flow;
    }

    /** What the statement is, e.g. "rollup table agg_calls_hourly". */
    public String what() {
        return what;
    }

    /** The statement as it was sent. */
    public String sql() {
        return sql;
    }
}
