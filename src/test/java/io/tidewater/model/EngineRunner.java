package io.tidewater.model;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidewater.flow.FlowReader;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.FlowTables;
import io.tidewater.flow.Flows;
import io.tidewater.flow.Parameters;
import io.tidewater.flow.RecordReader;
import io.tidewater.load.Batch;
import io.tidewater.load.Batches;
import io.tidewater.model.Scenario.DimBatch;
import io.tidewater.model.Scenario.DimChange;
import io.tidewater.model.Scenario.FactBatch;
import io.tidewater.model.Scenario.FactEvent;
import io.tidewater.model.Scenario.Opt;
import io.tidewater.model.Scenario.PatchBatch;
import io.tidewater.model.Scenario.PatchEvent;
import io.tidewater.ops.PipelineStats;
import io.tidewater.testing.NamedSql;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Warehouse;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;

/**
 * Runs a scenario through the engine on real PostgreSQL, batch by batch, as the flow-apply route does: the records read
 * by the flow's RecordReader, the batch bound by its FlowBatch, its lookups resolved as on a cache miss (ensure, then
 * newest), and the generated statement executed in one transaction. Then reads back what the model predicts.
 */
public final class EngineRunner implements AutoCloseable {

    private static final DefaultCamelContext CAMEL = new DefaultCamelContext();

    static {
        // As the application runs Camel (Application.configure): headers named exactly.
        CAMEL.setCaseInsensitiveHeaders(false);
    }
    private final Warehouse warehouse = Warehouse.create(TestNames.schema("model"));
    private final Scenario.Decl decl;
    private final Flows flows;
    private final Batches batches;
    private final List<Scenario.Batch> applied = new ArrayList<>();
    private final Path file;
    private final List<FlowSpec> declared;
    private boolean factsAway;
    private final List<FactBatch> waiting = new ArrayList<>();
    private boolean dimAway;
    private final List<DimBatch> waitingDims = new ArrayList<>();
    private long offset;
    private final ModelTables tables;

    public EngineRunner(Scenario.Decl decl, Path dir) throws Exception {
        this.decl = decl;
        this.tables = new ModelTables(warehouse, decl, "");
        Files.createDirectories(dir);
        file = dir.resolve("model-flows-" + java.util.UUID.randomUUID() + ".camel.yaml");
        Files.writeString(file, declarations(decl));
        declared = new FlowReader(v -> v).read(file);
        FlowTables.prepare(warehouse.dataSource(), declared);
        flows = new Flows(declared, null, warehouse.dataSource());
        batches = new Batches(flows, 65_536, "model", new PipelineStats(new SimpleMeterRegistry()));
    }

    /** The flows as a user writes them (one file, a bean each), read from topics named as the flows. */
    static String declarations(Scenario.Decl d) {
        return declarations(d, "", f -> f);
    }

    /**
     * The flows with suffix at the end of their names (a dash before it) and their tables' (an underscore before it), each
     * reading the topic named by topic from its unsuffixed name.
     */
    static String declarations(Scenario.Decl d, String suffix, java.util.function.UnaryOperator<String> topic) {
        String beans = beans(d).replaceAll("\\b(model-(members|facts|patches|orders|mirror|readings))\\b", "$1" + (suffix.isEmpty() ? "" : "-" + suffix))
                .replaceAll("\\b(dim_member|fact_model|agg_model|fact_order_model|mirror_order_model|fact_reading_model)\\b",
                        "$1" + (suffix.isEmpty() ? "" : "_" + suffix));
        for (String flow : List.of("model-members", "model-facts", "model-patches", "model-orders", "model-mirror", "model-readings")) {
            String name = suffix.isEmpty() ? flow : flow + "-" + suffix;
            String bean = "    - name: " + name + "\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n";
            beans = beans.replace(bean, bean + "        source: {topic: \"" + topic.apply(flow) + "\"}\n");
        }
        return beans;
    }

    private static String beans(Scenario.Decl d) {
        StringBuilder y = new StringBuilder("- beans:\n");
        y.append("    - name: model-members\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n");
        y.append("        format: debezium\n        kind: dimension\n        table: dim_member\n        key: member_id\n");
        y.append("        surrogateKey: member_key\n        scd: ").append(d.scd()).append('\n');
        if (d.scd() == 2) {
            y.append("        tracked: ").append(d.tracked()).append('\n');
        }
        y.append("        columns:\n          member_id: {field: id, type: bigint}\n");
        y.append("          name: {field: name, type: text, required: false}\n");
        y.append("          region: {field: region, type: text, required: false}\n");
        y.append("          tier: {field: tier, type: text, required: false}\n");
        y.append("    - name: model-facts\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n");
        y.append("        format: json\n        kind: fact\n        table: fact_model\n        key: event_id\n        columns:\n");
        y.append("          event_id: {field: id, type: bigint}\n          cust: {field: cust, type: bigint}\n");
        y.append("          at: {field: at, type: timestamptz}\n");
        y.append("          amount: {field: amount, type: int, required: ").append(d.amountRequired()).append("}\n");
        y.append("          cat: {field: cat, type: text}\n");
        y.append("        lookups:\n          c: {column: cust, dimension: model-members, into: member_key}\n");
        y.append("        rollups:\n          agg_model:\n            groupBy:\n");
        for (String g : d.groups()) {
            y.append("              ").append(g).append(": \"").append(switch (g) {
                case "day" -> "date_trunc('day', at, 'UTC')";
                case "cat" -> "cat";
                default -> "coalesce(c.region, 'unknown')";
            }).append("\"\n");
        }
        y.append("            measures:\n              n: count\n              total: sum(amount)\n");
        y.append("    - name: model-patches\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n");
        y.append("        format: json\n        kind: patch\n        table: fact_model\n        key: event_id\n");
        if (d.patchVersioned()) {
            y.append("        version: ver\n");
        }
        y.append("        columns:\n          event_id: {field: id, type: bigint}\n");
        y.append("          note: {field: note, type: text, required: false, merge: ").append(d.noteMerge()).append("}\n");
        y.append("          score: {field: score, type: int, required: false, merge: ").append(d.scoreMerge()).append("}\n");
        if (d.patchVersioned()) {
            y.append("          ver: {field: ver, type: bigint}\n");
        }
        Scenario.Changes ch = d.changes();
        y.append("    - name: model-orders\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n");
        y.append("        format: debezium\n        kind: fact\n        table: fact_order_model\n        key: order_id\n");
        y.append("        version: lsn\n        deletes: ").append(ch.factDeletes()).append('\n');
        y.append("        columns:\n          order_id: {field: id, type: bigint}\n");
        y.append("          status: {field: status, type: text, required: false}\n");
        y.append("          note: {field: note, type: text, required: false}\n");
        y.append("    - name: model-mirror\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n");
        y.append("        format: debezium\n        kind: mirror\n        table: mirror_order_model\n        key: id\n");
        if (ch.mirrorGuarded()) {
            y.append("        version: lsn\n");
        }
        y.append("        deletes: ").append(ch.mirrorDeletes()).append('\n');
        y.append("        columns:\n          id: {field: id, type: bigint}\n");
        y.append("          status: {field: status, type: text, required: false}\n");
        y.append("          note: {field: note, type: text, required: false}\n");
        y.append("    - name: model-readings\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n");
        y.append("        format: json\n        kind: fact\n        table: fact_reading_model\n        key: reading_id\n        version: ver\n");
        y.append("        columns:\n          reading_id: {field: id, type: bigint}\n");
        y.append("          ver: {field: ver, type: ").append(ch.readingVersion()).append("}\n");
        y.append("          value: {field: value, type: int, required: false}\n");
        return y.toString();
    }

    public void apply(Scenario.Batch batch) throws Exception {
        if (batch instanceof Scenario.FactFlow f) {
            if (factsAway != f.up()) {
                return;
            }
            factsAway = !f.up();
            reload();
            return;
        }
        if (batch instanceof Scenario.DimFlow f) {
            if (dimAway != f.up()) {
                return;
            }
            dimAway = !f.up();
            reload();
            return;
        }
        // A flow that is not running (removed, or waiting for one that is) leaves its batches in its topic.
        if (batch instanceof FactBatch f && !flows.all().containsKey("model-facts")) {
            waiting.add(f);
            return;
        }
        if (batch instanceof DimBatch d && !flows.all().containsKey("model-members")) {
            waitingDims.add(d);
            return;
        }
        if (batch instanceof Scenario.Replay r) {
            if (!applied.isEmpty()) {
                apply(applied.get(r.index() % applied.size()));
            }
            return;
        }
        applied.add(batch);
        if (batch instanceof Scenario.OrderBatch o) {
            List<String[]> changes = o.records().stream().map(c -> new String[] {"{\"id\":" + c.id() + "}", envelope(c)}).toList();
            run("model-orders", changes, true);
            run("model-mirror", changes, true);
        } else if (batch instanceof Scenario.ReadingBatch r) {
            run("model-readings", r.records().stream().map(this::json).toList());
        } else if (batch instanceof DimBatch d) {
            run("model-members", d.records().stream().map(this::envelope).toList());
        } else if (batch instanceof FactBatch f) {
            run("model-facts", f.records().stream().map(EngineRunner::json).toList());
        } else if (batch instanceof PatchBatch p) {
            run("model-patches", p.records().stream().map(EngineRunner::json).toList());
        }
    }

    /**
     * The flow file saved without the flows away (as removing one's declaration does) or with them again: the flows as a
     * reload makes them (a fact flow that starts repairs its rollup), then the dimension's batches that waited, then the
     * fact's, each once its flow runs.
     */
    private void reload() throws Exception {
        flows.reloader().reload(file, declared.stream().filter(d -> !(factsAway && d.name().equals("model-facts"))
                && !(dimAway && d.name().equals("model-members"))).toList());
        if (flows.all().containsKey("model-members")) {
            List<DimBatch> waited = new ArrayList<>(waitingDims);
            waitingDims.clear();
            for (DimBatch b : waited) {
                apply(b);
            }
        }
        if (flows.all().containsKey("model-facts")) {
            List<FactBatch> waited = new ArrayList<>(waiting);
            waiting.clear();
            for (FactBatch b : waited) {
                apply(b);
            }
        }
    }

    private void run(String flow, List<String> values) throws Exception {
        run(flow, values.stream().map(v -> new String[] {null, v}).toList(), true);
    }

    /**
     * One polled batch of (key, value) records through the flow's preparation (LoadBatch.prepare: strict UTF-8, the
     * reader, the batch's binding), its lookups and its statement, in one transaction. Nothing may be dead-lettered.
     */
    private void run(String flow, List<String[]> records, boolean keyed) throws Exception {
        List<Exchange> polled = new ArrayList<>();
        for (String[] r : records) {
            Exchange e = new DefaultExchange(CAMEL);
            e.getMessage().setHeader(KafkaConstants.KEY, r[0]);
            e.getMessage().setHeader(KafkaConstants.TOPIC, flow);
            e.getMessage().setHeader(KafkaConstants.PARTITION, 0);
            e.getMessage().setHeader(KafkaConstants.OFFSET, offset++);
            e.getMessage().setBody(r[1].getBytes(StandardCharsets.UTF_8));
            polled.add(e);
        }
        Exchange polledBatch = new DefaultExchange(CAMEL);
        polledBatch.getExchangeExtension().setFromRouteId(flow);
        polledBatch.getMessage().setBody(polled);
        batches.prepare(polledBatch, flow);
        Batch batch = polledBatch.getProperty(Batch.PROPERTY, Batch.class);
        List<Message> deadLetters = batch.deadLetters();
        if (!deadLetters.isEmpty()) {
            throw new AssertionError(flow + ": dead-lettered " + deadLetters.get(0).getHeader("tidewater.error.message"));
        }
        FlowSpec f = flows.flow(flow);
        Map<String, Object> params = new HashMap<>(batch.parameters());
        params.putAll(NamedSql.noOffsets());
        try (Connection c = warehouse.dataSource().getConnection()) {
            for (int j = 0; j < batch.lookupCount(); j++) {
                resolve(c, f, j, batch.lookupValues().get(j), params);
            }
            String sql = flows.statements().statement(flow, batch.rounds(), batch.columns());
            c.setAutoCommit(false);
            try {
                NamedSql.execute(c, sql, params);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** A lookup as on a cache miss: inferred members for keys never seen, then each key's newest member. */
    private void resolve(Connection c, FlowSpec f, int j, Object[] values, Map<String, Object> params) throws SQLException {
        String dimension = f.lookups().get(j).dimension();
        LinkedHashSet<Object> keys = new LinkedHashSet<>(java.util.Arrays.asList(values));
        keys.remove(null);
        Map<String, Object> p = Map.of(Parameters.MISSING, keys.toArray(new Long[0]));
        c.setAutoCommit(true);
        NamedSql.execute(c, flows.statements().ensure(dimension), p);
        Map<Object, Long> sk = new HashMap<>();
        List<Long> inferred = new ArrayList<>();
        for (Map<String, Object> r : NamedSql.execute(c, flows.statements().newestOfMissing(dimension), p)) {
            sk.put(((Number) r.get("natural_key")).longValue(), ((Number) r.get("surrogate_key")).longValue());
            if (((Number) r.get("lsn")).longValue() == 0) {
                inferred.add(((Number) r.get("surrogate_key")).longValue());
            }
        }
        Long[] k = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            k[i] = values[i] == null ? null : sk.get(((Number) values[i]).longValue());
        }
        params.put(Parameters.surrogateKeys(j), k);
        params.put(Parameters.inferredKeys(j), inferred.toArray(new Long[0]));
    }

    /** A member's change as Debezium sends it: a delete's before is its key, or the whole row under replica identity full. */
    String envelope(DimChange c) {
        return envelope(decl, c);
    }

    static String envelope(Scenario.Decl decl, DimChange c) {
        String row = "{\"id\":" + c.id() + ",\"name\":" + (c.unavailableName() ? str(io.tidewater.flow.Toast.PLACEHOLDER) : str(c.name()))
                + ",\"region\":" + str(c.region()) + ",\"tier\":" + str(c.tier()) + "}";
        boolean delete = c.op().equals("d");
        return "{\"before\":" + (delete ? decl.changes().full() ? row : "{\"id\":" + c.id() + "}" : "null") + ",\"after\":" + (delete ? "null" : row)
                + ",\"source\":{\"connector\":\"postgresql\",\"ts_ms\":" + (1_795_500_000_000L + c.lsn()) + ",\"lsn\":"
                + (c.sourceLsn() == null ? "null" : c.sourceLsn()) + "},\"op\":\"" + c.op() + "\",\"ts_ms\":" + (1_795_500_000_000L + c.lsn()) + "}";
    }

    /** A change as Debezium sends it: a delete's before is its key, or the whole row under replica identity full. */
    String envelope(Scenario.OrderChange c) {
        return envelope(decl, c);
    }

    static String envelope(Scenario.Decl decl, Scenario.OrderChange c) {
        String row = "{\"id\":" + c.id() + ",\"status\":" + str(c.status()) + ",\"note\":"
                + (c.unavailableNote() ? str(io.tidewater.flow.Toast.PLACEHOLDER) : str(c.note())) + "}";
        boolean delete = c.op().equals("d");
        return "{\"before\":" + (delete ? decl.changes().full() ? row : "{\"id\":" + c.id() + "}" : "null") + ",\"after\":" + (delete ? "null" : row)
                + ",\"source\":{\"connector\":\"postgresql\",\"ts_ms\":" + (1_795_500_000_000L + c.lsn()) + ",\"lsn\":"
                + (c.sourceLsn() == null ? "null" : c.sourceLsn()) + "},\"op\":\"" + c.op() + "\",\"ts_ms\":" + (1_795_500_000_000L + c.lsn()) + "}";
    }

    String json(Scenario.Reading r) {
        return json(decl, r);
    }

    static String json(Scenario.Decl decl, Scenario.Reading r) {
        String ver = decl.changes().readingVersion().equals("bigint") ? String.valueOf(r.ver()) : "\"" + r.at() + "\"";
        return "{\"id\":" + r.id() + ",\"ver\":" + ver + opt("value", r.value()) + "}";
    }

    static String json(FactEvent e) {
        return "{\"id\":" + e.id() + ",\"cust\":" + e.cust() + ",\"at\":\"" + e.instant() + "\"" + opt("amount", e.amount())
                + ",\"cat\":" + str(e.cat()) + "}";
    }

    static String json(PatchEvent p) {
        return "{\"id\":" + p.id() + opt("note", p.note().present() && p.note().value() != null ? new Opt<>(true, "\"" + p.note().value() + "\"")
                : p.note()) + opt("score", p.score()) + ",\"ver\":" + p.ver() + "}";
    }

    private static String opt(String field, Opt<?> v) {
        return v.present() ? ",\"" + field + "\":" + v.value() : "";
    }

    private static String str(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    /** The tables, read back in the model's words. */
    public ModelTables tables() {
        return tables;
    }

    @Override
    public void close() {
        warehouse.close();
    }
}
