package io.tidewater.flow;

import java.util.Collection;
import java.util.function.Supplier;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.TemplatedRouteDefinition;

/**
 * The routes of every flow declared with its source: the consumer route (id: the flow's name) from the
 * {@value FlowReader#SOURCE_TEMPLATE} template and the apply route (id: the flow's name and "-apply") from
 * {@value FlowReader#APPLY_TEMPLATE}. Camel adds templated routes after every route file's templates, so the flow files
 * and the templates may load in any order. A flow file of an earlier release names its routes itself, and Camel makes
 * them from its templatedRoutes.
 */
public final class FlowRoutes extends RouteBuilder {

    private final Supplier<Collection<FlowSpec>> flows;

    /** flows: every flow declared at start, those that wait for another included. */
    public FlowRoutes(Supplier<Collection<FlowSpec>> flows) {
        this.flows = flows;
    }

    @Override
    public void configure() {
        for (FlowSpec f : flows.get()) {
            if (f.routesInFile()) {
                continue;
            }
            templatedRoute(FlowReader.APPLY_TEMPLATE).routeId(f.applyRoute()).parameter("flow", f.name());
            TemplatedRouteDefinition source = templatedRoute(FlowReader.SOURCE_TEMPLATE).routeId(f.route());
            f.sourceParameters().forEach(source::parameter);
        }
    }
}
