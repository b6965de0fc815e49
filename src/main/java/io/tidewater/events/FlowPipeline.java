package io.tidewater.events;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import io.tidewater.flow.Flows;
import io.tidewater.ops.PipelineStats;
import io.tidewater.warehouse.WarehouseErrors;
import io.tidewater.warehouse.EdwOffsetRepository;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A flow consumer's two stages. The consumer thread prepares a polled batch (validation, dead letters, lookups, the
 * statement: the flow-apply route with {@link #STAGE} {@code prepare}); a writer thread then writes it (the same route
 * with {@code write}: the warehouse transaction, the write-through, the Kafka commit) while the consumer polls and
 * prepares the next one. Each consumer has at most one batch being written and hands over the next only once it is
 * written, so batches commit in the order they were polled.
 *
 * <p>A batch being written counts as in flight in its consumer's route, so stopping the route waits for it; while the
 * consumer is stopped or suspended a failed write is not retried. A batch whose write failed is written again by its
 * consumer, on its own thread, before anything polled after it, so etl_offsets never passes it; unless each of its
 * partitions has been sought to etl_offsets since (the route restarted, or the partition moved): then it will be polled
 * again from there, and writing it now could move etl_offsets past a replay's start.
 */
public class FlowPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(FlowPipeline.class);

    /** Exchange property: which part of the flow-apply route runs (both when absent). */
    public static final String STAGE = "tidewaterStage";
    public static final String WRITE = "write";
    /** Exchange property of a batch being written: the route of the consumer that polled it. */
    private static final String SOURCE = "tidewaterSourceRoute";

    private final EdwOffsetRepository positions;
    private final BatchCommit commits;
    private final PipelineStats stats;
    /** The consumer thread's batch being written, if any. */
    private final ThreadLocal<Pending> pending = new ThreadLocal<>();
    private volatile CamelContext context;
    private ExecutorService writers;
    private ProducerTemplate producer;

    /** A batch handed to a writer, with how often each of its partitions had been sought when it was. */
    private record Pending(Exchange prepared, Map<String, Long> seeks, Future<?> written) {
    }

    public FlowPipeline(EdwOffsetRepository positions, BatchCommit commits, PipelineStats stats) {
        this.positions = positions;
        this.commits = commits;
        this.stats = stats;
    }

    /** The writers (threads made on demand, at most one per flow consumer; stopped with the context) and their producer. */
    private synchronized void init(CamelContext camel) {
        if (context == null) {
            writers = camel.getExecutorServiceManager().newCachedThreadPool(this, "FlowWriter");
            producer = camel.createProducerTemplate();
            context = camel;
        }
    }

    /**
     * The flow-source route's last step, on the consumer thread, with the batch the flow-apply route prepared: waits until
     * the consumer's batch before is written, then hands this one to a writer and returns to poll.
     */
    public void write(Exchange prepared) throws Exception {
        if (context == null) {
            init(prepared.getContext());
        }
        awaitPrevious();
        Map<String, Long> seeks = new HashMap<>();
        for (String key : LoadBatch.partitions(prepared.getMessage())) {
            seeks.put(key, positions.seeks(key));
        }
        Exchange batch = writeCopy(prepared);
        String source = prepared.getFromRouteId();
        context.getInflightRepository().add(batch, source);
        Future<?> written;
        try {
            written = writers.submit(() -> {
                try {
                    apply(batch);
                    return null;
                } finally {
                    context.getInflightRepository().remove(batch, source);
                }
            });
        } catch (RuntimeException e) {
            context.getInflightRepository().remove(batch, source);
            throw e;
        }
        pending.set(new Pending(prepared, seeks, written));
    }

    /** Waits for the consumer's batch being written; one that failed is written now, on this thread, or this throws. */
    private void awaitPrevious() throws Exception {
        Pending p = pending.get();
        if (p == null) {
            return;
        }
        try {
            p.written().get();
        } catch (ExecutionException failed) {
            String why = failed.getCause() == null ? failed.getMessage() : failed.getCause().getMessage();
            if (p.seeks().entrySet().stream().allMatch(e -> positions.seeks(e.getKey()) > e.getValue())) {
                LOG.info("A batch of {} was not written ({}); its partitions resumed from etl_offsets since, so it is read again",
                        p.prepared().getFromRouteId(), why);
            } else if (!running(p.prepared().getContext(), p.prepared().getFromRouteId())) {
                // Stopping: neither it nor anything after it is written now.
                throw new IllegalStateException("A batch of " + p.prepared().getFromRouteId() + " was not written (" + why
                        + ") and the consumer is stopping; it is written before the next one, or read again from etl_offsets");
            } else {
                LOG.warn("A batch of {} was not written ({}); writing it again before the next one", p.prepared().getFromRouteId(), why);
                apply(writeCopy(p.prepared()));
            }
        }
        pending.remove();
    }

    /** Through the flow-apply route's write stage, then the Kafka commit (recorded for the consumer to send). */
    private void apply(Exchange batch) throws Exception {
        Exchange done = producer.send("direct:apply-" + batch.getMessage().getHeader(Flows.FLOW, String.class), batch);
        if (done.getException() != null) {
            throw done.getException();
        }
        commits.commit(done.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class));
    }

    /**
     * A new exchange (its own unit of work: the consumer's is done by the time it is written) with the prepared batch's
     * message and properties, for the write stage, counted as its consumer route's.
     */
    private static Exchange writeCopy(Exchange prepared) {
        Exchange batch = new DefaultExchange(prepared.getContext());
        batch.getExchangeExtension().setFromRouteId(prepared.getFromRouteId());
        batch.getMessage().setHeaders(new HashMap<>(prepared.getMessage().getHeaders()));
        batch.getMessage().setBody(prepared.getMessage().getBody());
        batch.getProperties().putAll(prepared.getProperties());
        batch.setProperty(STAGE, WRITE);
        batch.setProperty(SOURCE, prepared.getFromRouteId());
        return batch;
    }

    /**
     * The load routes' retry predicate: true, except for a batch being written for a consumer that is stopped or
     * suspended (the stop waits for it; it is written again or read again, see the class comment).
     */
    public boolean retrying(Exchange exchange) {
        String source = exchange.getProperty(SOURCE, String.class);
        Throwable error = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        failed(source == null ? exchange.getFromRouteId() : source, error);
        if (source == null) {
            return true;
        }
        return running(exchange.getContext(), source);
    }

    /**
     * Counts a failed attempt at a batch of a route (the flow is DOWN in health until one is written) and says so on the
     * console, naming the flow and the reason: at the first attempt and whenever the reason changes.
     */
    private void failed(String route, Throwable error) {
        if (route == null || stats == null) {
            return;
        }
        String reason = reason(error);
        PipelineStats.Failure before = stats.failure(route);
        stats.failing(route, reason);
        if (before == null || !before.reason().equals(reason)) {
            LOG.warn("Flow {}: a batch cannot be written and is retried until it can (nothing is skipped or committed meanwhile): {}",
                    route, reason);
        }
    }

    private static String reason(Throwable error) {
        if (error == null) {
            return "unknown error";
        }
        java.sql.SQLException sql = WarehouseErrors.sqlException(error);
        Throwable t = sql != null ? sql : error;
        while (sql == null && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String state = sql == null ? null : WarehouseErrors.sqlState(sql);
        return (state == null ? "" : "SQLSTATE " + state + ": ") + t.getClass().getSimpleName() + ": " + String.valueOf(t.getMessage()).strip();
    }

    /** Whether the consumer of a route is started and not suspended. */
    private static boolean running(CamelContext camel, String routeId) {
        Route route = camel.getRoute(routeId);
        Consumer consumer = route == null ? null : route.getConsumer();
        return consumer != null && ServiceHelper.isStarted(consumer) && !ServiceHelper.isSuspended(consumer);
    }
}
