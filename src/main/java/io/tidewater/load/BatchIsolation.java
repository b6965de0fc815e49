package io.tidewater.load;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the records of a batch that the warehouse refuses (a data error, see {@link WarehouseErrors}) and applies the
 * batch again without them, in one transaction: the other records and the whole batch's offsets commit together, and
 * the refused ones go to the dead-letter topic with the SQLSTATE and the warehouse's message.
 *
 * <p>The search tries parts of the batch through the same write route as <em>trials</em>: the statement runs in full
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
    static final String TRIAL_PASSED = "TW001";

    private final Batches batches;
    private ProducerTemplate producer;

    public BatchIsolation(Batches batches) {
        this.batches = batches;
    }

    /** Called from the data-error clause of routes/error-handling.camel.yaml, with the failed batch exchange. */
    public void isolate(Exchange failed) throws Exception {
        Batch batch = failed.getProperty(Batch.PROPERTY, Batch.class);
        List<Exchange> records = batch.records();
        Throwable cause = failed.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (batch.role() == Batch.Role.ISOLATED) {
            fallback(failed, records, cause);
        } else {
            LOG.info("The warehouse refused a batch of {} records of flow {} ({}); looking for the records it refuses",
                    records.size(), batch.flowName(), firstLine(cause));
            // Each refused record with the warehouse's reason for it alone, not another record's of its batch.
            Map<Exchange, Throwable> refused = new LinkedHashMap<>();
            if (records.size() == 1) {
                refused.put(records.get(0), cause);
            } else {
                searchSuspectsFirst(failed, records, refused);
            }
            refused.forEach((r, reason) -> {
                LOG.warn("The warehouse refused the record at {}: {}", LoadBatch.position(r), firstLine(reason));
                r.setProperty(LoadBatch.REJECTED, reason);
            });
            write(failed, batches.part(batch, records, Batch.Role.ISOLATED));
        }
    }

    /**
     * Tries the records that look refusable (a NUL character in their value) one by one, then the rest together, and
     * splits the rest only if it fails too: one trial per such record instead of a search through halves for each.
     */
    private void searchSuspectsFirst(Exchange parent, List<Exchange> records, Map<Exchange, Throwable> refused) throws Exception {
        List<Exchange> rest = new ArrayList<>(records.size());
        List<Exchange> suspects = new ArrayList<>();
        for (Exchange r : records) {
            String value = r.getMessage().getBody(String.class);
            (value != null && (value.contains("\\u0000") || value.indexOf('\0') >= 0) ? suspects : rest).add(r);
        }
        if (suspects.isEmpty() || rest.isEmpty()) {
            search(parent, records, null, refused);
            return;
        }
        for (Exchange suspect : suspects) {
            Throwable own = trial(parent, List.of(suspect));
            if (own == null) {
                rest.add(suspect);
            } else {
                refused.put(suspect, own);
            }
        }
        Throwable restRefused = rest.isEmpty() ? null : trial(parent, rest);
        if (restRefused != null) {
            search(parent, rest, restRefused, refused);
        }
    }

    /**
     * Adds to refused the records of a failed group that fail on their own, each with its own refusal; halves are tried,
     * never committed. why: the refusal of a trial of this very group, or null when its failure is inferred (its other
     * half passed): a single record's reason then comes from a trial of its own.
     */
    private void search(Exchange parent, List<Exchange> failedGroup, Throwable why, Map<Exchange, Throwable> refused)
            throws Exception {
        if (failedGroup.size() == 1) {
            Throwable own = why != null ? why : trial(parent, failedGroup);
            if (own != null) {
                refused.put(failedGroup.get(0), own);
            }
            return;
        }
        int half = failedGroup.size() / 2;
        List<Exchange> left = failedGroup.subList(0, half);
        List<Exchange> right = failedGroup.subList(half, failedGroup.size());
        Throwable leftRefused = trial(parent, left);
        if (leftRefused != null) {
            search(parent, left, leftRefused, refused);
            Throwable rightRefused = trial(parent, right);
            if (rightRefused != null) {
                search(parent, right, rightRefused, refused);
            }
        } else {
            // The group failed and its left half passed: its right half holds a refused record without a trial.
            search(parent, right, null, refused);
        }
    }

    /** Null if the records would be written; the warehouse's refusal if it refuses some of them. */
    private Throwable trial(Exchange parent, List<Exchange> records) throws Exception {
        Batch trial = batches.part(parent.getProperty(Batch.PROPERTY, Batch.class), records, Batch.Role.TRIAL);
        Exchange done = producer(parent.getContext()).send(FlowPipeline.endpoint(trial), FlowPipeline.writeExchange(parent.getContext(), trial));
        Exception e = done.getException();
        if (e == null) {
            throw new IllegalStateException("A trial of flow " + trial.flowName() + " committed: its statement lacks "
                    + BatchStatements.TRIAL_STATEMENT.strip());
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
    private void fallback(Exchange failed, List<Exchange> records, Throwable cause) throws Exception {
        Batch batch = failed.getProperty(Batch.PROPERTY, Batch.class);
        if (records.size() == 1) {
            if (records.get(0).getProperty(LoadBatch.REJECTED) != null) {
                // Even the record's dead letter and offset alone were refused: nothing left to split.
                throw new IllegalStateException("The warehouse refused the offsets of a dead-lettered record", cause);
            }
            LOG.warn("The warehouse refused the record at {}: {}", LoadBatch.position(records.get(0)), firstLine(cause));
            records.get(0).setProperty(LoadBatch.REJECTED, cause);
        } else {
            LOG.info("The warehouse still refused {} records of flow {} without the ones found; applying them in halves",
                    records.size(), batch.flowName());
        }
        List<List<Exchange>> parts = records.size() == 1 ? List.of(records)
                : List.of(records.subList(0, records.size() / 2), records.subList(records.size() / 2, records.size()));
        for (List<Exchange> part : parts) {
            write(failed, batches.part(batch, part, Batch.Role.ISOLATED));
        }
    }

    /** A part written for real: its dead letters (the records refused so far) published first, then the part. */
    private void write(Exchange failed, Batch part) throws Exception {
        CamelContext camel = failed.getContext();
        Exchange write = FlowPipeline.writeExchange(camel, part);
        if (!part.deadLetters().isEmpty()) {
            check(producer(camel).send("direct:load-dead-letters", write));
        }
        check(producer(camel).send(FlowPipeline.endpoint(part), write));
    }

    private static void check(Exchange done) throws Exception {
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

    private static String firstLine(Throwable t) {
        return t == null || t.getMessage() == null ? "?" : t.getMessage().lines().findFirst().orElse("?");
    }
}
