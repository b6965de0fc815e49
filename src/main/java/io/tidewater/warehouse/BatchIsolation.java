package io.tidewater.warehouse;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.events.LoadBatch;
import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the records of a batch that the warehouse refuses (a data error, see {@link WarehouseErrors}) and applies the
 * batch again without them, in one transaction: the other records and the whole batch's offsets commit together, and
 * the refused ones go to the dead-letter topic with the SQLSTATE and the warehouse's message.
 *
 * <p>The search tries parts of the batch through the same apply route as <em>trials</em>: the statement runs in full
 * and then raises SQLSTATE TW001 (tidewater_trial_passed()), so a trial never commits, writes nothing and costs no
 * fsync. Records holding a NUL character (which no PostgreSQL text value can) are tried first, one by one, and the rest
 * together; a part that still fails is split in halves, and a half that fails is split in turn, down to single records.
 *
 * <p>Should the batch without the records found still be refused (records that fail only together), the batch is
 * instead applied in halves for real, in offset order, each half with its own offsets, down to single records; so
 * etl_offsets never passes a record that is neither written nor dead-lettered.
 */
public class BatchIsolation {

    private static final Logger LOG = LoggerFactory.getLogger(BatchIsolation.class);
    /** Exchange property of a piece: counted as part of the batch it came from, not as a new poll. */
    public static final String PIECE = "tidewaterPiece";
    /** Exchange property of a trial: its statement is rolled back (SQLSTATE TW001 when it would have succeeded). */
    public static final String TRIAL = "tidewaterTrial";
    /** Exchange property of the batch applied again without its refused records, and of the pieces of a fallback. */
    static final String FINAL = "tidewaterIsolated";
    static final String TRIAL_PASSED = "TW001";
    private static final String TRIAL_STATEMENT = ";\nSELECT tidewater_trial_passed()";

    private ProducerTemplate producer;

    /** Called from the data-error clause of routes/error-handling.camel.yaml, with the failed batch exchange. */
    @SuppressWarnings("unchecked")
    public void isolate(Exchange failed) throws Exception {
        List<Exchange> records = failed.getProperty(LoadBatch.RECORDS, List.class);
        String route = failed.getProperty(WarehouseErrors.ISOLATE_IN, String.class);
        Throwable cause = failed.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failed.getProperty(FINAL) != null) {
            fallback(failed, route, records, cause);
        } else {
            LOG.info("The warehouse refused a batch of {} records on {} ({}); looking for the records it refuses",
                    records.size(), route, firstLine(cause));
            // Each refused record with the warehouse's reason for it alone, not another record's of its batch.
            Map<Exchange, Throwable> refused = new LinkedHashMap<>();
            if (records.size() == 1) {
                refused.put(records.get(0), cause);
            } else {
                searchSuspectsFirst(failed, route, records, refused);
            }
            refused.forEach((r, reason) -> {
                LOG.warn("The warehouse refused the record at {}: {}", LoadBatch.position(r), firstLine(reason));
                r.setProperty(LoadBatch.REJECTED, reason);
            });
            Exchange again = piece(failed, records);
            again.setProperty(FINAL, true);
            send(route, again);
        }
        failed.getMessage().setBody(records);
    }

    /**
     * Tries the records that look refusable (a NUL character in their value) one by one, then the rest together, and
     * splits the rest only if it fails too: one trial per such record instead of a search through halves for each.
     */
    private void searchSuspectsFirst(Exchange parent, String route, List<Exchange> records, Map<Exchange, Throwable> refused) throws Exception {
        List<Exchange> rest = new ArrayList<>(records.size());
        List<Exchange> suspects = new ArrayList<>();
        for (Exchange r : records) {
            String value = r.getMessage().getBody(String.class);
            (value != null && (value.contains("\\u0000") || value.indexOf('\0') >= 0) ? suspects : rest).add(r);
        }
        if (suspects.isEmpty() || rest.isEmpty()) {
            search(parent, route, records, null, refused);
            return;
        }
        for (Exchange suspect : suspects) {
            Throwable own = trial(parent, route, List.of(suspect));
            if (own == null) {
                rest.add(suspect);
            } else {
                refused.put(suspect, own);
            }
        }
        Throwable restRefused = rest.isEmpty() ? null : trial(parent, route, rest);
        if (restRefused != null) {
            search(parent, route, rest, restRefused, refused);
        }
    }

    /**
     * Adds to refused the records of a failed group that fail on their own, each with its own refusal; halves are tried,
     * never committed. why: the refusal of a trial of this very group, or null when its failure is inferred (its other
     * half passed): a single record's reason then comes from a trial of its own.
     */
    private void search(Exchange parent, String route, List<Exchange> failedGroup, Throwable why, Map<Exchange, Throwable> refused)
            throws Exception {
        if (failedGroup.size() == 1) {
            Throwable own = why != null ? why : trial(parent, route, failedGroup);
            if (own != null) {
                refused.put(failedGroup.get(0), own);
            }
            return;
        }
        int half = failedGroup.size() / 2;
        List<Exchange> left = failedGroup.subList(0, half);
        List<Exchange> right = failedGroup.subList(half, failedGroup.size());
        Throwable leftRefused = trial(parent, route, left);
        if (leftRefused != null) {
            search(parent, route, left, leftRefused, refused);
            Throwable rightRefused = trial(parent, route, right);
            if (rightRefused != null) {
                search(parent, route, right, rightRefused, refused);
            }
        } else {
            // The group failed and its left half passed: its right half holds a refused record without a trial.
            search(parent, route, right, null, refused);
        }
    }

    /** Null if the records would be written; the warehouse's refusal if it refuses some of them. */
    private Throwable trial(Exchange parent, String route, List<Exchange> records) throws Exception {
        Exchange trial = piece(parent, records);
        trial.setProperty(TRIAL, true);
        Exchange done = producer(parent.getContext()).send(endpoint(parent.getContext(), route), trial);
        Exception e = done.getException();
        if (e == null) {
            throw new IllegalStateException("A trial on " + route + " committed: its statement lacks " + TRIAL_STATEMENT.strip());
        }
        SQLException sql = WarehouseErrors.sqlException(e);
        if (sql != null && TRIAL_PASSED.equals(WarehouseErrors.sqlState(sql))) {
            return null;
        }
        if (WarehouseErrors.classify(e) == WarehouseErrors.Kind.DATA) {
            return e;
        }
        throw e;
    }

    /** Applies halves for real, in offset order, each committing with its own offsets; single records are refused. */
    private void fallback(Exchange failed, String route, List<Exchange> records, Throwable cause) throws Exception {
        if (records.size() == 1) {
            if (records.get(0).getProperty(LoadBatch.REJECTED) != null) {
                // Even the record's dead letter and offset alone were refused: nothing left to split.
                throw new IllegalStateException("The warehouse refused the offsets of a dead-lettered record", cause);
            }
            LOG.warn("The warehouse refused the record at {}: {}", LoadBatch.position(records.get(0)), firstLine(cause));
            records.get(0).setProperty(LoadBatch.REJECTED, cause);
        } else {
            LOG.info("The warehouse still refused {} records on {} without the ones found; applying them in halves",
                    records.size(), route);
        }
        List<List<Exchange>> parts = records.size() == 1 ? List.of(records)
                : List.of(records.subList(0, records.size() / 2), records.subList(records.size() / 2, records.size()));
        for (List<Exchange> part : parts) {
            Exchange p = piece(failed, part);
            p.setProperty(FINAL, true);
            send(route, p);
        }
    }

    /**
     * The apply routes' step before their warehouse call: a trial's statement gets a last statement that always fails,
     * so that nothing of it commits.
     */
    public String statement(@Body String sql, Exchange exchange) {
        return exchange.getProperty(TRIAL) == null ? sql : sql + TRIAL_STATEMENT;
    }

    private static Exchange piece(Exchange parent, List<Exchange> records) {
        Exchange piece = new DefaultExchange(parent.getContext());
        piece.getExchangeExtension().setFromRouteId(parent.getFromRouteId());
        piece.getMessage().setHeaders(new HashMap<>(parent.getMessage().getHeaders()));
        piece.getMessage().setBody(List.copyOf(records));
        piece.setProperty(PIECE, true);
        return piece;
    }

    private void send(String route, Exchange piece) throws Exception {
        Exchange done = producer(piece.getContext()).send(endpoint(piece.getContext(), route), piece);
        if (done.getException() != null) {
            throw done.getException();
        }
    }

    /** The endpoint the apply route consumes from (direct:apply-<flow>), found by the route's id. */
    private static String endpoint(CamelContext context, String route) {
        return context.getRoute(route).getEndpoint().getEndpointUri();
    }

    private synchronized ProducerTemplate producer(CamelContext context) {
        if (producer == null) {
            producer = context.createProducerTemplate();
        }
        return producer;
    }

    private static String firstLine(Throwable t) {
        return t == null || t.getMessage() == null ? "?" : t.getMessage().lines().findFirst().orElse("?");
    }
}
