package io.tidewater.warehouse;

import java.util.HashMap;
import java.util.List;

import io.tidewater.events.LoadBatch;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the records of a batch that the warehouse refuses (a data error, see {@link WarehouseErrors}) by splitting the
 * batch in halves and applying each half again through the same apply route, in offset order; a half that fails again
 * is split in turn. A single record that still fails is marked rejected, so that its apply dead-letters it with the
 * SQLSTATE and the warehouse's message and records its offset. Every piece commits its rows with its own offsets, and
 * because pieces go in the batch's order, etl_offsets never passes a record that is neither written nor dead-lettered.
 */
public class BatchIsolation {

    private static final Logger LOG = LoggerFactory.getLogger(BatchIsolation.class);
    /** Exchange property of a piece: counted as part of the batch it came from, not as a new poll. */
    public static final String PIECE = "tidewaterPiece";

    private ProducerTemplate producer;

    /** Called from the data-error clause of routes/error-handling.camel.yaml, with the failed batch exchange. */
    @SuppressWarnings("unchecked")
    public void isolate(Exchange failed) throws Exception {
        List<Exchange> records = failed.getProperty(LoadBatch.RECORDS, List.class);
        String route = failed.getProperty(WarehouseErrors.ISOLATE_IN, String.class);
        Throwable cause = failed.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (records.size() == 1) {
            if (records.get(0).getProperty(LoadBatch.REJECTED) != null) {
                // Even the record's dead letter and offset alone were refused: nothing left to split.
                throw new IllegalStateException("The warehouse refused the offsets of a dead-lettered record", cause);
            }
            LOG.warn("The warehouse refused the record at {}: {}", LoadBatch.position(records.get(0)),
                    cause == null ? "?" : cause.getMessage());
            records.get(0).setProperty(LoadBatch.REJECTED, cause);
            apply(failed, route, records);
        } else {
            if (failed.getProperty(PIECE) == null) {
                LOG.info("The warehouse refused a batch of {} records on {} ({}); splitting it to find the records it refuses",
                        records.size(), route, cause == null ? "?" : cause.getMessage());
            }
            int half = records.size() / 2;
            apply(failed, route, records.subList(0, half));
            apply(failed, route, records.subList(half, records.size()));
        }
        failed.getMessage().setBody(records);
    }

    private void apply(Exchange parent, String route, List<Exchange> records) throws Exception {
        Exchange piece = new DefaultExchange(parent.getContext());
        piece.getExchangeExtension().setFromRouteId(parent.getFromRouteId());
        piece.getMessage().setHeaders(new HashMap<>(parent.getMessage().getHeaders()));
        piece.getMessage().setBody(List.copyOf(records));
        piece.setProperty(PIECE, true);
        Exchange done = producer(parent.getContext()).send("direct:" + route, piece);
        if (done.getException() != null) {
            throw done.getException();
        }
    }

    private synchronized ProducerTemplate producer(CamelContext context) {
        if (producer == null) {
            producer = context.createProducerTemplate();
        }
        return producer;
    }
}
