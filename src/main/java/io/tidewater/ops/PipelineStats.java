package io.tidewater.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the load routes took in and wrote, as Micrometer meters (scraped at /observe/metrics) and as running totals
 * for the status line and the pipeline MBean.
 *
 * <ul>
 *   <li>{@code tidewater_events_total{route}}: records polled, valid or not (throughput per route)</li>
 *   <li>{@code tidewater_rows_written_total{route}}: rows committed to the EDW</li>
 *   <li>{@code tidewater_batch_size{route}}: records per polled batch</li>
 *   <li>{@code tidewater_e2e_latency_seconds{route}}: Kafka record timestamp to EDW commit, as a histogram</li>
 *   <li>{@code tidewater_dead_letters_total{topic}}: records sent to {@code <topic>.dlq}</li>
 * </ul>
 */
public class PipelineStats {

    /** Header with the Kafka timestamps (epoch ms) of a batch's records, read once the batch is committed. */

    private final MeterRegistry registry;
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Map<String, Counter> rows = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> batchSizes = new ConcurrentHashMap<>();
    private final Map<String, Timer> latencies = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private static final Logger LOG = LoggerFactory.getLogger(PipelineStats.class);
    private volatile LastBatch lastBatch;
    private final Map<String, Instant> lastCommits = new ConcurrentHashMap<>();

    /** Batches of a route failing now for a reason no record causes: since when, how often, and the last reason. */
    public record Failure(Instant since, long attempts, String reason) {
    }

    private final Map<String, Failure> failures = new ConcurrentHashMap<>();

    /** The most recent committed batch. */
    public record LastBatch(String route, int records, int rows, Instant committedAt, long maxLatencyMs) {
    }

    public PipelineStats(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Called when a polled batch has been parsed: its size, and the source topic of each rejected record. */
    public void polled(String route, int records, List<String> deadLetterTopics) {
        for (String topic : deadLetterTopics) {
            deadLetters.computeIfAbsent(topic, t -> Counter.builder("tidewater.dead.letters")
                    .description("Records sent to the topic's dead-letter topic").tag("topic", t).register(registry)).increment();
        }
        if (records == 0) {
            return;
        }
        events.computeIfAbsent(route, r -> Counter.builder("tidewater.events").description("Records polled by a load route")
                .tag("route", r).register(registry)).increment(records);
        batchSizes.computeIfAbsent(route, r -> DistributionSummary.builder("tidewater.batch.size")
                .description("Records per polled batch").tag("route", r)
                .serviceLevelObjectives(1, 10, 50, 100, 250, 500, 1000, 5000).register(registry)).record(records);
    }

    /** Called after a batch is committed in the EDW, with the rows it carried and its records' Kafka timestamps. */
    public void written(String route, int written, long[] eventTimes) {
        int n = written;
        rows.computeIfAbsent(route, r -> Counter.builder("tidewater.rows.written").description("Rows committed to the EDW")
                .tag("route", r).register(registry)).increment(n);
        long now = System.currentTimeMillis();
        long maxLatency = 0;
        if (eventTimes != null && eventTimes.length > 0) {
            Timer timer = latencies.computeIfAbsent(route, r -> Timer.builder("tidewater.e2e.latency")
                    .description("From the event's Kafka timestamp to its EDW commit").tag("route", r)
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofMinutes(10)).register(registry));
            for (long t : eventTimes) {
                long ms = Math.max(0, now - t);
                timer.record(ms, TimeUnit.MILLISECONDS);
                maxLatency = Math.max(maxLatency, ms);
            }
        }
        lastBatch = new LastBatch(route, eventTimes == null ? 0 : eventTimes.length, n, Instant.ofEpochMilli(now), maxLatency);
        Failure recovered = failures.remove(route);
        if (recovered != null) {
            LOG.info("Flow {}: batches are written again, after {} failed attempts since {}", route, recovered.attempts(), recovered.since());
        }
        lastCommits.put(route, lastBatch.committedAt());
    }

    /** A batch of a route failed and is retried: returns the route's failure with this attempt counted. */
    public Failure failing(String route, String reason) {
        return failures.merge(route, new Failure(Instant.now(), 1, reason),
                (was, now) -> new Failure(was.since(), was.attempts() + 1, reason));
    }

    /** The route's batches failing now, or null. */
    public Failure failure(String route) {
        return failures.get(route);
    }

    public LastBatch lastBatch() {
        return lastBatch;
    }

    /** When a batch of a flow's consumer route was last committed, or null. */
    public Instant lastCommit(String route) {
        return lastCommits.get(route);
    }

    /** Records polled by a route. */
    public long events(String route) {
        Counter c = events.get(route);
        return c == null ? 0 : (long) c.count();
    }

    /** Rows a route committed. */
    public long rows(String route) {
        Counter c = rows.get(route);
        return c == null ? 0 : (long) c.count();
    }

    /** Records of a topic sent to its dead-letter topic. */
    public long deadLetters(String topic) {
        Counter c = deadLetters.get(topic);
        return c == null ? 0 : (long) c.count();
    }

    public long eventsIn() {
        return (long) events.values().stream().mapToDouble(Counter::count).sum();
    }

    public long rowsWritten() {
        return (long) rows.values().stream().mapToDouble(Counter::count).sum();
    }

    public long deadLettered() {
        return (long) deadLetters.values().stream().mapToDouble(Counter::count).sum();
    }
}
