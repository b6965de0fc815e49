package io.tidewater.capture;

import java.util.List;

import org.apache.camel.builder.RouteBuilder;

/**
 * The capture routes: one from the {@value #TEMPLATE} template (routes/capture.camel.yaml) for each
 * {@code tidewater.capture.<db>.*} block of the configuration (see {@link io.tidewater.config.CaptureBlocks}), with the id
 * capture-&lt;db&gt;. Adding a database is a
 * block of properties and nothing else.
 */
public final class CaptureRoutes extends RouteBuilder {

    public static final String TEMPLATE = "capture";

    private final List<String> databases;

    public CaptureRoutes(List<String> databases) {
        this.databases = List.copyOf(databases);
    }

    /** The route id of a database's capture. */
    public static String routeId(String db) {
        return "capture-" + db;
    }

    @Override
    public void configure() {
        for (String db : databases) {
            templatedRoute(TEMPLATE).routeId(routeId(db)).parameter("db", db);
        }
    }
}
