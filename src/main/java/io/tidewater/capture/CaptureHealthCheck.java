package io.tidewater.capture;

import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * DOWN while a capture route that should run is not running (the Debezium engine stopped), a publish failed, or a
 * table of a route's include list is not in its publication yet (its changes would not be captured).
 */
public class CaptureHealthCheck extends AbstractHealthCheck {

    private final CamelContext context;
    private final ChangePublisher publisher;
    private final List<String> routes;

    public CaptureHealthCheck(CamelContext context, ChangePublisher publisher, List<String> routes) {
        super("tidewater", "capture");
        this.context = context;
        this.publisher = publisher;
        this.routes = routes;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("published", publisher.published());
        if (publisher.failed()) {
            builder.message("a change could not be published to Kafka").down();
            return;
        }
        for (String id : routes) {
            ServiceStatus status = context.getRouteController().getRouteStatus(id);
            if (status != ServiceStatus.Started) {
                builder.message("capture route " + id + " is " + status).down();
                return;
            }
        }
        for (String id : routes) {
            Route route = context.getRoute(id);
            CapturePublication publication = route == null ? null : CapturePublication.of(route.getEndpoint());
            if (publication == null) {
                continue;
            }
            try {
                List<String> missing = publication.missing();
                if (!missing.isEmpty()) {
                    builder.detail(id + ".missing", String.join(",", missing));
                    builder.message("capture route " + id + ": not in publication " + publication.name() + " of database "
                            + publication.database() + ": " + String.join(", ", missing)).down();
                    return;
                }
            } catch (Exception e) {
                builder.message("capture route " + id + ": cannot read publication " + publication.name() + " of database "
                        + publication.database() + ": " + e.getMessage()).down();
                return;
            }
        }
        builder.up();
    }
}
