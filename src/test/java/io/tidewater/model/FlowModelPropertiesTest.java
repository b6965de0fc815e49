package io.tidewater.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.tidewater.model.Scenario.Batch;
import io.tidewater.model.Scenario.DimBatch;
import io.tidewater.model.Scenario.DimChange;
import io.tidewater.model.Scenario.FactBatch;
import io.tidewater.model.Scenario.FactEvent;
import io.tidewater.model.Scenario.Opt;
import io.tidewater.model.Scenario.PatchBatch;
import io.tidewater.model.Scenario.PatchEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * Issue 20, "A model of every declaration": generated declarations (a type-1 or type-2 dimension, a fact looking it up
 * with a rollup over generated groups and an optional measure, a patch of the fact's table with generated merge rules,
 * with and without a version) and generated batches for them (keys repeated, LSNs out of order and repeated, snapshot
 * reads, deletes under either replica identity, TOAST placeholders, patches before their facts, members inferred and
 * filled in later, the fact or the dimension flow removed and added again), a captured table into a fact with version: lsn and a mirror,
 * and a fact versioned by a declared column, run through the engine on real
 * PostgreSQL; every table and the rollup must equal what {@link FlowModel} computes. In the suite: a fixed seed and a
 * bounded number of cases; {@code bench/fuzz.sh} runs {@link FlowModelFuzz} with random seeds.
 */
public class FlowModelPropertiesTest {

    @Property(tries = 60, seed = "20", shrinking = ShrinkingMode.BOUNDED)
    void everyTableEqualsTheModel(@ForAll("scenarios") Scenario scenario) throws Exception {
        check(scenario);
    }

    /** Runs the scenario through the engine and the model and compares every table. */
    static void check(Scenario scenario) throws Exception {
        FlowModel model = new FlowModel(scenario.decl());
        try (EngineRunner engine = new EngineRunner(scenario.decl(), Path.of("target", "model"))) {
            for (Batch b : scenario.batches()) {
                model.apply(b);
                engine.apply(b);
            }
            // A rollup is repaired when its fact flow starts again: compared with every flow declared.
            for (Batch up : List.of(new Scenario.DimFlow(true), new Scenario.FactFlow(true))) {
                model.apply(up);
                engine.apply(up);
            }
            compare(model, engine.tables());
        }
    }

    /** Every table of the flows against the model. */
    static void compare(FlowModel model, ModelTables tables) {
        assertEquals(String.join("\n", model.dimension()), String.join("\n", tables.dimension()), "dim_member");
        assertEquals(String.join("\n", model.facts()), String.join("\n", tables.facts()), "fact_model");
        assertEquals(String.join("\n", model.rollup()), String.join("\n", tables.rollup(model)), "agg_model");
        assertEquals(String.join("\n", model.orderFacts()), String.join("\n", tables.orderFacts()), "fact_order_model");
        assertEquals(String.join("\n", model.mirrorRows()), String.join("\n", tables.mirrorRows()), "mirror_order_model");
        assertEquals(String.join("\n", model.readingRows()), String.join("\n", tables.readingRows()), "fact_reading_model");
    }

    @Provide
    static Arbitrary<Scenario> scenarios() {
        return decls().flatMap(d -> batches(d).list().ofMinSize(1).ofMaxSize(12).map(b -> new Scenario(d, b).numbered()));
    }

    /**
     * Scenarios for the real routes on real Kafka ({@link FlowModelKafkaRouteTest}): every flow declared throughout, and
     * at most one record of a key in a batch, so that a batch the consumer happens to poll in parts means the same.
     */
    static Arbitrary<Scenario> kafkaScenarios() {
        return decls().flatMap(d -> batches(d).filter(b -> !(b instanceof Scenario.FactFlow || b instanceof Scenario.DimFlow))
                .map(FlowModelPropertiesTest::oneRecordPerKey).list().ofMinSize(4).ofMaxSize(12).map(b -> new Scenario(d, b).numbered()));
    }

    /** The batch with only the first record of each key. */
    private static Batch oneRecordPerKey(Batch b) {
        if (b instanceof DimBatch d) {
            return new DimBatch(firstOfEach(d.records(), DimChange::id));
        } else if (b instanceof FactBatch f) {
            return new FactBatch(firstOfEach(f.records(), FactEvent::id));
        } else if (b instanceof PatchBatch p) {
            return new PatchBatch(firstOfEach(p.records(), PatchEvent::id));
        } else if (b instanceof Scenario.OrderBatch o) {
            return new Scenario.OrderBatch(firstOfEach(o.records(), Scenario.OrderChange::id));
        } else if (b instanceof Scenario.ReadingBatch r) {
            return new Scenario.ReadingBatch(firstOfEach(r.records(), Scenario.Reading::id));
        }
        return b;
    }

    private static <T> List<T> firstOfEach(List<T> records, java.util.function.Function<T, Long> key) {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        return records.stream().filter(r -> seen.add(key.apply(r))).toList();
    }

    private static Arbitrary<Scenario.Decl> decls() {
        Arbitrary<Scenario.Decl> decl = Combinators.combine(Arbitraries.of(1, 2), Arbitraries.of("region", "region,tier"),
                Arbitraries.of(true, false), Arbitraries.subsetOf(Scenario.GROUPS).ofMinSize(1), Arbitraries.of("first", "latest"),
                Arbitraries.of("least", "greatest"), Arbitraries.of(true, false), changes()).as((scd, tracked, required, groups, note, score, versioned,
                changes) -> {
                    List<String> ordered = new ArrayList<>(Scenario.GROUPS.stream().filter(groups::contains).toList());
                    if (scd == 1) {
                        ordered.remove("region");
                        if (ordered.isEmpty()) {
                            ordered.add("day");
                        }
                    }
                    return new Scenario.Decl(scd, tracked, required, ordered, note, score, versioned, changes);
                });
        return decl;
    }

    private static Arbitrary<Scenario.Changes> changes() {
        return Combinators.combine(Arbitraries.of("soft", "hard", "ignore"), Arbitraries.of("hard", "soft", "ignore"), Arbitraries.of(true, false),
                Arbitraries.of(false, true), Arbitraries.of("bigint", "timestamptz")).as(Scenario.Changes::new);
    }

    private static Arbitrary<Batch> batches(Scenario.Decl d) {
        Arbitrary<DimChange> change = Combinators.combine(Arbitraries.of("c", "u", "u", "r", "d"), Arbitraries.longs().between(1, 4),
                Arbitraries.of("Ada", "Bo"), Arbitraries.of("n", "s").injectNull(0.2), Arbitraries.of("x", "y"),
                Arbitraries.longs().between(1, 30), Arbitraries.of(false, false, true)).as(DimChange::new);
        Arbitrary<Scenario.Reading> reading = Combinators.combine(Arbitraries.longs().between(1, 4), Arbitraries.longs().between(1, 3),
                Arbitraries.oneOf(Arbitraries.integers().between(0, 9).map(Opt::of), Arbitraries.just(Opt.<Integer>absent()),
                        Arbitraries.just(Opt.<Integer>of(null)))).as(Scenario.Reading::new);
        Arbitrary<Opt<Integer>> amount = d.amountRequired() ? Arbitraries.integers().between(0, 9).map(Opt::of)
                : Arbitraries.oneOf(Arbitraries.integers().between(0, 9).map(Opt::of), Arbitraries.just(Opt.<Integer>absent()),
                Arbitraries.just(Opt.<Integer>of(null)));
        Arbitrary<FactEvent> fact = Combinators.combine(Arbitraries.longs().between(1, 6), Arbitraries.longs().between(1, 4),
                Arbitraries.integers().between(0, Scenario.AT.size() - 1), amount, Arbitraries.of("a", "b")).as(FactEvent::new);
        Arbitrary<Opt<String>> note = Arbitraries.oneOf(Arbitraries.of("p1", "p2", "p3").map(Opt::of), Arbitraries.just(Opt.<String>absent()),
                Arbitraries.just(Opt.<String>of(null)));
        Arbitrary<Opt<Integer>> score = Arbitraries.oneOf(Arbitraries.integers().between(0, 9).map(Opt::of), Arbitraries.just(Opt.<Integer>absent()));
        Arbitrary<PatchEvent> patch = Combinators.combine(Arbitraries.longs().between(1, 6), note, score, Arbitraries.longs().between(1, 5))
                .as(PatchEvent::new);
        // The captured table's changes, numbered in log order once the scenario is made (Scenario.numbered).
        Arbitrary<Scenario.OrderBatch> orders = Combinators.combine(Arbitraries.longs().between(1, 4), Arbitraries.integers().between(1, 40))
                .as((id, k) -> new Scenario.OrderChange(id, k, 0)).list().ofMinSize(1).ofMaxSize(6).map(Scenario.OrderBatch::new);
        return Arbitraries.oneOf(change.list().ofMinSize(1).ofMaxSize(5).map(DimBatch::new), orders, orders,
                Arbitraries.integers().between(0, 20).map(Scenario.Replay::new), Arbitraries.of(true, false).map(Scenario.FactFlow::new),
                Arbitraries.of(true, false).map(Scenario.DimFlow::new),
                fact.list().ofMinSize(1).ofMaxSize(5).map(FactBatch::new),
                patch.list().ofMinSize(1).ofMaxSize(4).map(PatchBatch::new), reading.list().ofMinSize(1).ofMaxSize(5).map(Scenario.ReadingBatch::new));
    }
}
