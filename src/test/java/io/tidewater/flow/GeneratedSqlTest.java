package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Pattern;

import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every statement the engine generates for the shipped flows is valid SQL against the migrated warehouse. */
@ExtendWith(SharedInfrastructure.class)
class GeneratedSqlTest {

    private static final Pattern PARAM = Pattern.compile(":\\?[A-Za-z0-9_]+");

    @Test
    void theShippedFlowsStatementsRunOnTheWarehouse() throws Exception {
        List<FlowSpec> declared = Flows.read(Path.of("routes"), v -> v.replaceAll("\\{\\{([^}]+)}}", "$1").replaceAll(".*(size|seconds)$", "1"));
        Flows flows = new Flows(declared);
        try (Warehouse w = Warehouse.create(TestNames.schema("sql")); Connection c = w.dataSource().getConnection()) {
            FlowTables.prepare(w.dataSource(), declared);
            c.setAutoCommit(false);
            for (FlowSpec f : declared) {
                for (int rounds : List.of(1, 2)) {
                    String sql = flows.statements().statementFor(f.name(), rounds);
                    run(c, f.name() + " (" + rounds + " rounds)", sql);
                }
                if (f.kind() == FlowSpec.Kind.DIMENSION) {
                    run(c, f.name() + " newest", flows.statements().newest(f.name()));
                    run(c, f.name() + " ensure", DimensionSql.ensure(f));
                }
            }
        }
    }

    /** Runs a statement with every parameter NULL (an empty batch), and rolls it back. */
    private static void run(Connection c, String what, String sql) {
        String bound = PARAM.matcher(sql).replaceAll("NULL");
        assertDoesNotThrow(() -> {
            try (Statement st = c.createStatement()) {
                st.execute(bound);
            } finally {
                c.rollback();
            }
        }, () -> what + ":\n" + sql);
    }
}
