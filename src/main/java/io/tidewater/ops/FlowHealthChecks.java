package io.tidewater.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.Flows;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRepository;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * One readiness check per flow, {@code tidewater/flow-<name>}, for the flows declared now (a flow file saved while
 * running gets its check at once). DOWN while the flow waits for a flow not declared yet (it loads nothing), while its
 * consumer or apply route is not started, while its batches fail, or while records wait on its topic and nothing has
 * been committed for {@link #STALLED}. Details: records read, rows written, dead letters, lag and the last commit.
 */
public class FlowHealthChecks implements HealthCheckRepository {

    /** How long a flow with waiting records may commit nothing before its check is DOWN. */
    public static final Duration STALLED = Duration.ofMinutes(5);

    private final CamelContext context;
    private final Flows flows;
    private final PipelineStats stats;
    private final Supplier<Map<String, Long>> lag;
    private final Instant started = Instant.now();
    private final Map<String, FlowCheck> checks = new ConcurrentHashMap<>();
    private boolean enabled = true;

    public FlowHealthChecks(CamelContext context, Flows flows, PipelineStats stats, Supplier<Map<String, Long>> lag) {
        this.context = context;
        this.flows = flows;
        this.stats = stats;
        this.lag = lag;
    }

    @Override
    public String getId() {
        return "flows";
    }

    @Override
    public boolean isEnabled() {
        return enabled;
    }

    @Override
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public Stream<HealthCheck> stream() {
        if (!enabled) {
            return Stream.empty();
        }
        java.util.Set<String> declared = new java.util.LinkedHashSet<>(flows.all().keySet());
        declared.addAll(flows.waiting().keySet());
        checks.keySet().retainAll(declared);
        return declared.stream().map(name -> checks.computeIfAbsent(name, FlowCheck::new));
    }

    private final class FlowCheck extends AbstractHealthCheck {

        private final String flow;

        FlowCheck(String flow) {
            super("tidewater", "flow-" + flow);
            this.flow = flow;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            FlowSpec f = flows.all().get(flow);
            Flows.Waiting waits = flows.waiting().get(flow);
            if (f == null && waits != null) {
                builder.detail("table", waits.flow().table());
                builder.message("flow " + flow + " waits for " + waits.reason()).down();
                return;
            }
            if (f == null) {
                builder.message("flow " + flow + " is no longer declared").up();
                return;
            }
            Map<String, Long> lags = lag.get();
            long waiting = f.topics().stream().mapToLong(t -> lags.getOrDefault(t, 0L)).sum();
            Instant last = stats.lastCommit(f.route());
            builder.detail("topic", f.topic());
            builder.detail("table", f.table());
            builder.detail("records", stats.events(f.route()));
            builder.detail("rows", stats.rows(f.route()));
            builder.detail("dead.letters", f.topics().stream().mapToLong(stats::deadLetters).sum());
            builder.detail("lag", waiting);
            builder.detail("last.commit", last == null ? "none" : last.toString());
            for (String route : new String[] {f.route(), f.applyRoute()}) {
                ServiceStatus status = context.getRouteController().getRouteStatus(route);
                if (status != ServiceStatus.Started) {
                    builder.message("flow " + flow + ": route " + route + " is " + (status == null ? "missing" : status)).down();
                    return;
                }
            }
            PipelineStats.Failure failure = stats.failure(f.route());
            if (failure != null) {
                builder.detail("failing.since", failure.since().toString());
                builder.message("flow " + flow + ": its batches fail since " + failure.since() + " (" + failure.attempts()
                        + " attempts) and are retried: " + failure.reason()).down();
                return;
            }
            Instant since = last == null ? started : last;
            if (waiting > 0 && Duration.between(since, Instant.now()).compareTo(STALLED) > 0) {
                builder.message("flow " + flow + ": " + waiting + " records wait on " + f.topic() + " and nothing was committed since "
                        + since).down();
                return;
            }
            builder.up();
        }
    }
}
