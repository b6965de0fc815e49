package io.tidewater.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated case: the declarations of three flows (a dimension, a fact that looks it up and rolls up, a patch of the
 * fact's table) and the batches of records they read, in order. Values are small on purpose, so that keys repeat, LSNs
 * collide and go back, and patches meet their facts in either order.
 */
public record Scenario(Decl decl, List<Batch> batches) {

    /** The choices a user makes in the three declarations. */
    public record Decl(int scd, String tracked, boolean amountRequired, List<String> groups, String noteMerge, String scoreMerge,
                       boolean patchVersioned, Changes changes) {
    }

    /**
     * The choices in the two flows of one captured table (a fact with version: lsn and a mirror): their delete modes, the
     * mirror's guard, and the table's replica identity (full: a delete's before holds the whole row, else its key); and
     * the type of the version column of the fact versioned by a declared column (bigint or timestamptz).
     */
    public record Changes(String factDeletes, String mirrorDeletes, boolean mirrorGuarded, boolean full, String readingVersion) {

        public Changes(String factDeletes, String mirrorDeletes, boolean mirrorGuarded) {
            this(factDeletes, mirrorDeletes, mirrorGuarded, false, "bigint");
        }
    }

    /** One polled batch of one flow. */
    public sealed interface Batch permits DimBatch, FactBatch, PatchBatch, OrderBatch, ReadingBatch, Replay, FactFlow, DimFlow {
        List<?> records();
    }

    public record DimBatch(List<DimChange> records) implements Batch {
    }

    public record FactBatch(List<FactEvent> records) implements Batch {
    }

    public record PatchBatch(List<PatchEvent> records) implements Batch {
    }

    /** Readings of a fact versioned by a declared column. */
    public record ReadingBatch(List<Reading> records) implements Batch {
    }

    /** Changes of a captured table, read by both its flows (a fact with version: lsn, and a mirror). */
    public record OrderBatch(List<OrderChange> records) implements Batch {
    }

    /**
     * The fact flow's file removed (up false) or saved again (up true): while it is away, its records wait in its topic
     * and its dimension goes on filling in members; when it is back, it loads what waited.
     */
    public record FactFlow(boolean up) implements Batch {

        public List<?> records() {
            return List.of();
        }
    }

    /**
     * The dimension flow's file removed (up false) or saved again (up true): while it is away, its changes wait in its
     * topic, and so does the fact flow that looks it up (it waits for its dimension); when it is back, it loads what
     * waited, then the fact flow starts again and loads what waited for it.
     */
    public record DimFlow(boolean up) implements Batch {

        public List<?> records() {
            return List.of();
        }
    }

    /** A replay: the batch at this index of the ones before (modulo their number) is read again, as it was. */
    public record Replay(int index) implements Batch {

        public List<?> records() {
            return List.of();
        }
    }

    /**
     * A change of the captured table at its place in the log (lsn): its operation and values follow from its kind k, as
     * a change's follow from what happened. Every fifth is an incremental snapshot's read (no LSN), every sixth a delete.
     */
    public record OrderChange(long id, int k, long lsn, int values, boolean toast, int noteValues) {

        public OrderChange(long id, int k, long lsn) {
            this(id, k, lsn, k, false, k);
        }

        /** An update that left the note as it was, TOASTed: Debezium sends its placeholder instead of the note. */
        public boolean unavailableNote() {
            return toast;
        }

        public String op() {
            return k % 6 == 0 ? "d" : k % 5 == 0 ? "r" : "u";
        }

        public Long sourceLsn() {
            return op().equals("r") ? null : lsn;
        }

        public String status() {
            return "s" + values % 4;
        }

        public String note() {
            return noteValues % 3 == 0 ? null : "n" + noteValues;
        }
    }

    /**
     * The scenario with the changes of the captured table numbered in log order (LSNs rising from batch to batch, as
     * the table's log is cut into batches); a replay reads a batch again with the LSNs it had. A snapshot read holds
     * the row as the log's last change of it left it, and there is none of a row the log deleted; every seventh update
     * of a row the log has keeps its note, TOASTed under the default replica identity.
     */
    public Scenario numbered() {
        long lsn = 0;
        Map<Long, int[]> state = new HashMap<>();     // per row: {status's k, note's k}, or null once deleted
        Map<Long, Boolean> deleted = new HashMap<>();
        List<Batch> out = new ArrayList<>();
        for (Batch b : batches) {
            if (b instanceof OrderBatch o) {
                List<OrderChange> changes = new ArrayList<>();
                for (OrderChange c : o.records()) {
                    int[] row = state.get(c.id());
                    boolean gone = deleted.getOrDefault(c.id(), false);
                    if (c.op().equals("r")) {
                        if (!gone) {
                            int[] read = row == null ? new int[] {c.k(), c.k()} : row;
                            state.put(c.id(), read);
                            changes.add(new OrderChange(c.id(), c.k(), ++lsn, read[0], false, read[1]));
                        }
                        continue;
                    }
                    if (c.op().equals("d")) {
                        deleted.put(c.id(), true);
                        state.remove(c.id());
                        // Its values: the row as it was (the before of replica identity full).
                        changes.add(row == null ? new OrderChange(c.id(), c.k(), ++lsn) : new OrderChange(c.id(), c.k(), ++lsn, row[0], false, row[1]));
                        continue;
                    }
                    boolean toast = c.k() % 7 == 0 && row != null;
                    int[] now = {c.k(), toast ? row[1] : c.k()};
                    state.put(c.id(), now);
                    deleted.put(c.id(), false);
                    changes.add(new OrderChange(c.id(), c.k(), ++lsn, now[0], toast, now[1]));
                }
                if (!changes.isEmpty()) {
                    out.add(new OrderBatch(changes));
                }
            } else {
                out.add(b);
            }
        }
        return new Scenario(decl, out);
    }

    /**
     * A change of a dimension member, as Debezium sends it: op c, u, r (an incremental snapshot's read: no LSN) or d (the
     * key only, or the whole row under replica identity full); an update may leave the name as it was, TOASTed (toast):
     * Debezium sends its placeholder instead.
     */
    public record DimChange(String op, long id, String name, String region, String tier, long lsn, boolean toast) {

        public DimChange(String op, long id, String name, String region, String tier, long lsn) {
            this(op, id, name, region, tier, lsn, false);
        }

        public Long sourceLsn() {
            return op.equals("r") ? null : lsn;
        }

        /** Whether the name is Debezium's TOAST placeholder (only an update's can be). */
        public boolean unavailableName() {
            return toast && op.equals("u");
        }
    }

    /**
     * A reading of a fact versioned by its declared column ver: the greatest version of a key wins, applied only over a
     * smaller one; value is optional. With a timestamptz version, ver counts minutes from the first of AT.
     */
    public record Reading(long id, long ver, Opt<Integer> value) {

        public Instant at() {
            return AT.get(0).plusSeconds(60 * ver);
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
