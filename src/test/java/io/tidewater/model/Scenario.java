package io.tidewater.model;

import java.time.Instant;
import java.util.List;

/**
 * A generated case: the declarations of three flows (a dimension, a fact that looks it up and rolls up, a patch of the
 * fact's table) and the batches of records they read, in order. Values are small on purpose, so that keys repeat, LSNs
 * collide and go back, and patches meet their facts in either order.
 */
public record Scenario(Decl decl, List<Batch> batches) {

    /** The choices a user makes in the three declarations. */
    public record Decl(int scd, String tracked, boolean amountRequired, List<String> groups, String noteMerge, String scoreMerge,
                       boolean patchVersioned) {
    }

    /** One polled batch of one flow. */
    public sealed interface Batch permits DimBatch, FactBatch, PatchBatch {
        List<?> records();
    }

    public record DimBatch(List<DimChange> records) implements Batch {
    }

    public record FactBatch(List<FactEvent> records) implements Batch {
    }

    public record PatchBatch(List<PatchEvent> records) implements Batch {
    }

    /**
     * A change of a dimension member, as Debezium sends it: op c, u, r (an incremental snapshot's read: no LSN) or d (the
     * key only).
     */
    public record DimChange(String op, long id, String name, String region, String tier, long lsn) {

        public Long sourceLsn() {
            return op.equals("r") ? null : lsn;
        }
    }

    /** An optional field's value: absent, JSON null, or a value. */
    public record Opt<T>(boolean present, T value) {

        public static <T> Opt<T> absent() {
            return new Opt<>(false, null);
        }

        public static <T> Opt<T> of(T v) {
            return new Opt<>(true, v);
        }
    }

    /** A fact event. */
    public record FactEvent(long id, long cust, int at, Opt<Integer> amount, String cat) {

        public Instant instant() {
            return AT.get(at);
        }
    }

    /** A patch of a fact's row. */
    public record PatchEvent(long id, Opt<String> note, Opt<Integer> score, long ver) {
    }

    /** The event times a fact may carry: two days, one of them across the midnight of UTC. */
    public static final List<Instant> AT = List.of(Instant.parse("2026-11-01T10:00:00Z"), Instant.parse("2026-11-01T23:30:00Z"),
            Instant.parse("2026-11-02T00:15:00Z"));

    /** The rollup's group expressions a declaration picks from, by name. */
    public static final List<String> GROUPS = List.of("day", "cat", "region");
}
