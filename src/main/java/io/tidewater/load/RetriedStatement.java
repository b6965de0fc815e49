package io.tidewater.load;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Before a batch whose write failed is written again (the load routes' retries): its statement as the flows are
 * declared now, so that fixing a flow file also fixes the batches of the other flows that are retrying a statement
 * made from it (a dimension's moves of a fact's rollup groups). Only the batch statement is replaced: a retry of another
 * step keeps its body.
 */
public class RetriedStatement implements Processor {

    private final BatchStatements statements;

    public RetriedStatement(BatchStatements statements) {
        this.statements = statements;
    }

    @Override
    public void process(Exchange exchange) {
        Batch batch = exchange.getProperty(Batch.PROPERTY, Batch.class);
        if (batch != null && batch.given() != null && exchange.getMessage().getBody() == batch.given()) {
            exchange.getMessage().setBody(statements.statement(exchange));
        }
    }
}
