package io.tidewater.capture;

import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** DOWN while a capture route that should run is not running (the Debezium engine stopped) or a publish failed. */
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
        builder.up();
    }
}
