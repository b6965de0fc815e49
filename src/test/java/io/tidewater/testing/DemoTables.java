package io.tidewater.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import io.tidewater.config.TidewaterConfig;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.FlowTables;
import io.tidewater.flow.Flows;
import io.tidewater.flow.Placeholders;

/** The demo's tables, made from the demo's declarations in routes/ as the engine makes them at start: their one source. */
public final class DemoTables {

    private DemoTables() {
    }

    public static void create(DataSource warehouse) {
        TidewaterConfig config = TidewaterConfig.load(Path.of("application.properties"), Map.of());
        List<FlowSpec> demo = Flows.read(Path.of("routes"), Placeholders.of(config));
        FlowTables.prepare(warehouse, demo);
    }
}
