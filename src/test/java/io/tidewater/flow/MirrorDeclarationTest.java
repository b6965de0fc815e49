package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.tidewater.testing.FlowFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, point 1: what a mirror declaration may say, and the file:line of what it may not. */
class MirrorDeclarationTest {

    @TempDir
    Path dir;

    private List<FlowSpec> read(String properties) throws Exception {
        Path file = dir.resolve("mirror-invoices.camel.yaml");
        Files.writeString(file, FlowFiles.flow("mirror-invoices", "cdc.sales.public.invoices", properties));
        return new FlowReader(v -> v).read(file);
    }

    private String refused(String properties) {
        return assertThrows(FlowException.class, () -> read(properties)).getMessage();
    }

    @Test
    void aMirrorNeedsOnlyItsTableAndKey() throws Exception {
        FlowSpec f = read("format: debezium\nkind: mirror\ntable: mirror_invoices\nkey: id\n").get(0);
        assertEquals(FlowSpec.Kind.MIRROR, f.kind());
        assertEquals(List.of("id"), f.key());
        assertTrue(f.columns().isEmpty(), "every column from the records' schema");
        assertEquals(FlowSpec.Deletes.HARD, f.deletes(), "a mirror deletes what the source deletes");
        assertEquals("lsn", read("format: debezium\nkind: mirror\ntable: m\nkey: id\nversion: lsn\ndeletes: soft\n").get(0).version());
    }

    @Test
    void whatAMirrorCannotDeclareIsRefusedWithItsLine() {
        assertTrue(refused("format: json\nkind: mirror\ntable: m\nkey: id\n")
                .endsWith("mirror-invoices.camel.yaml:5: flow 'mirror-invoices': a mirror replicates a table from its change events: it needs format: debezium"));
        assertTrue(refused("format: debezium\nkind: mirror\ntable: m\nkey: id\nversion: updated_at\n")
                .contains(":9: flow 'mirror-invoices': a mirror is guarded by version: lsn, or not at all"));
        assertTrue(refused("format: debezium\nkind: mirror\ntable: m\nkey: id\ncolumns:\n  total: {field: total, type: bigint, expression: \"total * 100\"}\n")
                .contains("a mirror stores its columns as they come"));
        assertTrue(refused("format: debezium\nkind: mirror\ntable: m\nkey: id\nlookups:\n  c: {column: id, dimension: cdc-customers, into: k}\n")
                .contains("a mirror copies rows as they are; 'lookups' are for facts"));
        assertTrue(refused("format: debezium\nkind: mirror\ntable: m\nkey: \"Id\"\n").contains("'Id' is not a valid SQL name"));
    }

    @Test
    void aFlowReadsOneTopicOrSeveral() throws Exception {
        Path file = dir.resolve("two.camel.yaml");
        String properties = "format: debezium\nkind: mirror\ntable: m\nkey: id\n";
        Files.writeString(file, FlowFiles.flow("two", "shard1.public.t,shard2.public.t", properties));
        assertEquals(List.of("shard1.public.t", "shard2.public.t"), new FlowReader(v -> v).read(file).get(0).topics());
        Files.writeString(file, FlowFiles.flow("two", "shard1.public.t, shard2.public.t", properties));
        assertTrue(assertThrows(FlowException.class, () -> new FlowReader(v -> v).read(file)).getMessage()
                .contains("' shard2.public.t' is not a Kafka topic name (the source's topic takes one topic, or several separated by commas without spaces)"));
    }

    @Test
    void aPatchOrdersItsLatestValuesByAColumnNotByLsn() {
        assertTrue(refused("format: debezium\nkind: patch\ntable: fact_order\nkey: id\nversion: lsn\ncolumns:\n  id: {field: id, type: bigint}\n")
                .contains("a patch orders its values by a version column of its own"));
    }
}
