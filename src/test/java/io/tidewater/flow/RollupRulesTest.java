package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.tidewater.testing.FlowFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, "Rollups exact under every order": a rollup may group by a looked-up member's column only where it never
 * changes in place (a tracked column of a type-2 dimension); anything else is refused at the group's line.
 */
class RollupRulesTest {

    @TempDir
    Path dir;

    private List<FlowSpec> flows(int scd, String group) throws Exception {
        Path members = dir.resolve("cdc-members.camel.yaml");
        Files.writeString(members, FlowFiles.flow("cdc-members", "members", """
                format: debezium
                kind: dimension
                table: dim_member
                key: member_id
                surrogateKey: member_key
                scd: %d
                %s
                columns:
                  member_id: {field: id, type: bigint}
                  name: {field: name, type: text}
                  region: {field: region, type: text}
                """.formatted(scd, scd == 2 ? "tracked: region" : "")));
        Path sales = dir.resolve("events-sales.camel.yaml");
        Files.writeString(sales, FlowFiles.flow("events-sales", "sales", """
                format: json
                kind: fact
                table: fact_sale
                key: sale_id
                columns:
                  sale_id: {field: id, type: bigint}
                  member_id: {field: member, type: bigint}
                lookups:
                  m: {column: member_id, dimension: cdc-members, into: member_key}
                rollups:
                  agg_sales:
                    groupBy:
                      g: "%s"
                    measures:
                      sales: count
                """.formatted(group)));
        FlowReader reader = new FlowReader(v -> v);
        return List.of(reader.read(members).get(0), reader.read(sales).get(0));
    }

    @Test
    void aGroupByATrackedColumnOfATypeTwoDimensionIsAccepted() throws Exception {
        assertDoesNotThrow(() -> new Flows(flows(2, "coalesce(m.region, 'unknown')")));
    }

    @Test
    void aGroupByAColumnChangedInPlaceIsRefusedAtItsLine() throws Exception {
        FlowException untracked = assertThrows(FlowException.class, () -> new Flows(flows(2, "coalesce(m.name, 'unknown')")));
        assertTrue(untracked.getMessage().contains("events-sales.camel.yaml:17:") && untracked.getMessage().contains("m.name changes in place"),
                untracked.getMessage());
        FlowException typeOne = assertThrows(FlowException.class, () -> new Flows(flows(1, "m.region")));
        assertTrue(typeOne.getMessage().contains("scd: 1"), typeOne.getMessage());
    }
}
