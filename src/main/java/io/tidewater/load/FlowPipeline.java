package io.tidewater.load;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import io.tidewater.ops.PipelineStats;
import io.tidewater.warehouse.EdwOffsetRepository;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between a flow's two routes. The consumer thread prepares a polled batch (its prepare route: validation, dead letters);
 * a writer thread then writes it (the flow's write route: lookups, the warehouse transaction, the write-through; then
 * the Kafka commit) while the consumer polls and prepares the next one. Each consumer has at most one batch being
 * written and hands over the next only once it is written, so batches commit in the order they were polled.
 *
 * <p>A batch being written counts as in flight in its consumer's route, so stopping the route waits for it; while the
 * consumer is stopped or suspended a failed write is not retried. A batch whose write failed is written again by its
 * consumer, on its own thread, before anything polled after it, so etl_offsets never passes it; unless each of its
 * partitions has been sought to etl_offsets since (the route restarted, or the partition moved): then it will be polled
 * again from there, and writing it now could move etl_offsets past a replay's start.
 */
public class FlowPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(FlowPipeline.class);

    private final EdwOffsetRepository positions;
    private final BatchCommit commits;
    private final PipelineStats stats;
    /** The consumer thread's batch being written, if any. */
    private final ThreadLocal<Pending> pending = new ThreadLocal<>();
    private volatile CamelContext context;
    private ExecutorService writers;
    private ProducerTemplate producer;

    /** A batch handed to a writer, with how often each of its partitions had been sought when it was. */
    private record Pending(Batch batch, Map<String, Long> seeks, Future<?> written) {
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
     * The prepare route's last step, on the consumer thread, with the batch it prepared: waits until the consumer's batch
     * before is written, then hands this one to a writer and returns to poll.
     */
    public void handOver(Exchange prepared) throws Exception {
        if (context == null) {
            init(prepared.getContext());
        }
        awaitPrevious();
        Batch batch = prepared.getProperty(Batch.PROPERTY, Batch.class);
        Map<String, Long> seeks = new HashMap<>();
        for (String key : batch.partitions()) {
            seeks.put(key, positions.seeks(key));
        }
        batch.handOver();
        Exchange write = writeExchange(prepared.getContext(), batch);
        context.getInflightRepository().add(write, batch.route());
        Future<?> written;
        try {
            written = writers.submit(() -> {
                try {
                    write(write);
                    return null;
                } finally {
                    context.getInflightRepository().remove(write, batch.route());
                }
            });
        } catch (RuntimeException e) {
            context.getInflightRepository().remove(write, batch.route());
            throw e;
        }
        pending.set(new Pending(batch, seeks, written));
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
                        p.batch().route(), why);
            } else if (!running(context, p.batch().route())) {
                // Stopping: neither it nor anything after it is written now.
                throw new IllegalStateException("A batch of " + p.batch().route() + " was not written (" + why
                        + ") and the consumer is stopping; it is written before the next one, or read again from etl_offsets");
            } else {
                LOG.warn("A batch of {} was not written ({}); writing it again before the next one", p.batch().route(), why);
                write(writeExchange(context, p.batch()));
            }
        }
        pending.remove();
    }

    /** Through the flow's write route, then the Kafka commit (recorded for the consumer to send). */
    private void write(Exchange write) throws Exception {
        Batch batch = write.getProperty(Batch.PROPERTY, Batch.class);
        Exchange done = producer.send(endpoint(batch), write);
        if (done.getException() != null) {
            throw done.getException();
        }
        commits.commit(batch.commit());
    }

    /** The endpoint of a flow's write route. */
    static String endpoint(Batch batch) {
        return "direct:apply-" + batch.flowName();
    }

    /**
     * A new exchange (its own unit of work: the consumer's is done by the time it is written) carrying the prepared batch
     * to the write route, counted as its consumer route's.
     */
    static Exchange writeExchange(CamelContext camel, Batch batch) {
        Exchange write = new DefaultExchange(camel);
        write.getExchangeExtension().setFromRouteId(batch.route());
        write.setProperty(Batch.PROPERTY, batch);
        return write;
    }

    /** The write route's last step: the batch counted as written, its rows and its records' latency. */
    public void written(@ExchangeProperty(Batch.PROPERTY) Batch batch) {
        if (stats != null) {
            stats.written(batch.route(), batch.rows(), batch.eventTimes());
        }
    }

    /**
     * The load routes' retry predicate: true, except for a batch being written for a consumer that is stopped or
     * suspended (the stop waits for it; it is written again or read again, see the class comment).
     */
    public boolean retrying(Exchange exchange) {
        Batch batch = exchange.getProperty(Batch.PROPERTY, Batch.class);
        Throwable error = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        failed(batch == null ? exchange.getFromRouteId() : batch.route(), error);
        if (batch == null || !batch.handedOver()) {
            return true;
        }
        return running(exchange.getContext(), batch.route());
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
