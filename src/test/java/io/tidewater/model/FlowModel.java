package io.tidewater.model;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.tidewater.model.Scenario.DimBatch;
import io.tidewater.model.Scenario.DimChange;
import io.tidewater.model.Scenario.FactBatch;
import io.tidewater.model.Scenario.FactEvent;
import io.tidewater.model.Scenario.PatchBatch;
import io.tidewater.model.Scenario.PatchEvent;

/**
 * What the warehouse must hold after a scenario, computed in plain Java from the README's rules, one record at a time:
 * no SQL, nothing of the engine. A type-2 (or type-1) dimension with inferred members, a fact inserted once by key whose
 * lookup keeps the member it was first loaded with, a patch merged whichever arrives first, and a rollup recomputed from
 * the facts with SQL's count and sum.
 */
public final class FlowModel {

    /** One version of a dimension member; ordinal: its place among its key's versions, in the order they were made. */
    static final class Version {
        final long id;
        final int ordinal;
        String name;
        String region;
        String tier;
        boolean current = true;
        boolean inferred;
        Long lsn;

        Version(long id, int ordinal) {
            this.id = id;
            this.ordinal = ordinal;
        }

        @Override
        public String toString() {
            return "member " + id + " #" + ordinal + " name=" + name + " region=" + region + " tier=" + tier + " current=" + current
                    + " inferred=" + inferred + " lsn=" + lsn;
        }
    }

    /** A row of the fact's table: a fact, or a patch's placeholder. */
    static final class Row {
        final long id;
        boolean placeholder;
        Long cust;
        Instant at;
        Integer amount;
        String cat;
        Version ref;
        String note;
        Integer score;
        Long ver;

        Row(long id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "fact " + id + " placeholder=" + placeholder + " cust=" + cust + " at=" + at + " amount=" + amount + " cat=" + cat
                    + " member=" + (ref == null ? null : ref.id + "#" + ref.ordinal) + " note=" + note + " score=" + score + " ver=" + ver;
        }
    }

    private final Scenario.Decl decl;
    private final Map<Long, List<Version>> members = new TreeMap<>();
    private final Map<Long, Row> rows = new TreeMap<>();
    private final Map<Long, Order> facts = new TreeMap<>();
    private final Map<Long, Order> mirror = new TreeMap<>();
    /** The fact versioned by a declared column: per key, {ver, value or null}. */
    private final Map<Long, Long[]> readings = new TreeMap<>();
    private final List<Scenario.Batch> applied = new ArrayList<>();
    /** The fact flow is not declared: its batches wait in its topic. */
    private boolean factsAway;
    private final List<FactBatch> waiting = new ArrayList<>();
    /** The dimension flow is not declared: its batches wait, and the fact flow waits for it. */
    private boolean dimAway;
    private final List<DimBatch> waitingDims = new ArrayList<>();

    /** A row of the versioned fact or of the mirror. */
    static final class Order {
        final long id;
        String status;
        String note;
        Long lsn;
        boolean deleted;

        Order(long id) {
            this.id = id;
        }

        String show(boolean lsn, boolean deleted) {
            return "order " + id + " status=" + status + " note=" + note + (lsn ? " lsn=" + this.lsn : "") + (deleted ? " deleted=" + this.deleted : "");
        }
    }

    public FlowModel(Scenario.Decl decl) {
        this.decl = decl;
    }

    public void apply(Scenario.Batch batch) {
        if (batch instanceof Scenario.FactFlow f) {
            factsAway = !f.up();
            releaseFacts();
            return;
        }
        if (batch instanceof Scenario.DimFlow f) {
            dimAway = !f.up();
            if (!dimAway) {
                List<DimBatch> waited = new ArrayList<>(waitingDims);
                waitingDims.clear();
                waited.forEach(this::apply);
            }
            releaseFacts();
            return;
        }
        if (batch instanceof FactBatch f && (factsAway || dimAway)) {
            waiting.add(f);
            return;
        }
        if (batch instanceof DimBatch d && dimAway) {
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
            // A batch's changes apply in LSN order, a snapshot read being older than any change.
            List<Scenario.OrderChange> ordered = o.records().stream().sorted(Comparator.comparingLong(FlowModel::lsn)).toList();
            ordered.forEach(this::versioned);
            ordered.forEach(this::mirrored);
        } else if (batch instanceof Scenario.ReadingBatch r) {
            readings(r.records());
        } else if (batch instanceof DimBatch d) {
            d.records().stream().sorted(Comparator.comparingLong(c -> c.sourceLsn() == null ? 0 : c.sourceLsn())).forEach(this::change);
        } else if (batch instanceof FactBatch f) {
            facts(f.records());
        } else if (batch instanceof PatchBatch p) {
            p.records().forEach(this::patch);
        }
    }

    /** The fact flow, running again (declared, and its dimension too), loads what waited for it. */
    private void releaseFacts() {
        if (!factsAway && !dimAway) {
            List<FactBatch> waited = new ArrayList<>(waiting);
            waiting.clear();
            waited.forEach(this::apply);
        }
    }

    /**
     * A change into the fact with version: lsn, one at a time: applied only over an older LSN (a snapshot read is older
     * than any); a soft delete keeps the values and marks the row, a hard one removes it, ignore skips it.
     */
    private void versioned(Scenario.OrderChange c) {
        String deletes = decl.changes().factDeletes();
        long lsn = c.sourceLsn() == null ? 0 : c.sourceLsn();
        boolean delete = c.op().equals("d");
        if (delete && deletes.equals("ignore")) {
            return;
        }
        Order row = facts.get(c.id());
        if (row != null && row.lsn != null && row.lsn >= lsn) {
            return;
        }
        if (delete && deletes.equals("hard")) {
            facts.remove(c.id());
            return;
        }
        if (row == null) {
            row = new Order(c.id());
            facts.put(c.id(), row);
        }
        if (!delete) {
            row.status = c.status();
            // A TOASTed note keeps the value the row has (none for a row not there yet).
            row.note = c.unavailableNote() ? row.note : c.note();
        }
        row.deleted = delete;
        row.lsn = lsn;
    }

    /** A change into the mirror: the newest of each key in a batch applied (with a guard, only over an older LSN). */
    private void mirrored(Scenario.OrderChange c) {
        Scenario.Changes d = decl.changes();
        long lsn = c.sourceLsn() == null ? 0 : c.sourceLsn();
        boolean delete = c.op().equals("d");
        if (delete && d.mirrorDeletes().equals("ignore")) {
            return;
        }
        Order row = mirror.get(c.id());
        if (d.mirrorGuarded() && row != null && row.lsn != null && row.lsn >= lsn) {
            return;
        }
        if (delete && d.mirrorDeletes().equals("hard")) {
            mirror.remove(c.id());
            return;
        }
        if (row == null) {
            row = new Order(c.id());
            mirror.put(c.id(), row);
        }
        if (!delete) {
            row.status = c.status();
            // A TOASTed note keeps the value the row has (none for a row not there yet).
            row.note = c.unavailableNote() ? row.note : c.note();
        }
        row.deleted = delete;
        row.lsn = lsn;
    }

    /**
     * A batch of readings: per key the one with the greatest version (the later of equal ones), applied only over a row
     * whose version is smaller.
     */
    private void readings(List<Scenario.Reading> batch) {
        Map<Long, Scenario.Reading> greatest = new LinkedHashMap<>();
        for (Scenario.Reading r : batch) {
            Scenario.Reading g = greatest.get(r.id());
            if (g == null || r.ver() >= g.ver()) {
                greatest.put(r.id(), r);
            }
        }
        for (Scenario.Reading r : greatest.values()) {
            Long[] row = readings.get(r.id());
            if (row == null || row[0] < r.ver()) {
                readings.put(r.id(), new Long[] {r.ver(), r.value().value() == null ? null : r.value().value().longValue()});
            }
        }
    }

    public List<String> readingRows() {
        List<String> out = new ArrayList<>();
        readings.forEach((id, row) -> out.add("reading " + id + " ver=" + row[0] + " value=" + row[1]));
        return out;
    }

    private static long lsn(Scenario.OrderChange c) {
        return c.sourceLsn() == null ? 0 : c.sourceLsn();
    }

    public List<String> orderFacts() {
        return facts.values().stream().map(o -> o.show(true, decl.changes().factDeletes().equals("soft"))).toList();
    }

    public List<String> mirrorRows() {
        return mirror.values().stream().map(o -> o.show(decl.changes().mirrorGuarded(), decl.changes().mirrorDeletes().equals("soft"))).toList();
    }

    /** A dimension change, in LSN order: never over a version as new; a snapshot read is older than any change. */
    private void change(DimChange c) {
        long lsn = c.sourceLsn() == null ? 0 : c.sourceLsn();
        List<Version> versions = members.computeIfAbsent(c.id(), k -> new ArrayList<>());
        if (versions.stream().anyMatch(v -> v.lsn != null && v.lsn >= lsn)) {
            return;
        }
        Version cur = versions.stream().filter(v -> v.current).findFirst().orElse(null);
        // A TOASTed name keeps the current version's (none without one), in place and in a new version alike.
        String name = c.unavailableName() ? (cur == null ? null : cur.name) : c.name();
        if (c.op().equals("d")) {
            if (cur != null) {
                cur.current = false;
                cur.lsn = lsn;
            }
            return;
        }
        if (cur == null) {
            open(versions, c, name, lsn);
        } else if (cur.inferred) {
            set(cur, c, name, lsn);
            cur.inferred = false;
        } else if (decl.scd() == 2 && trackedChanged(cur, c)) {
            cur.current = false;
            open(versions, c, name, lsn);
        } else {
            set(cur, c, name, lsn);
        }
    }

    private boolean trackedChanged(Version cur, DimChange c) {
        boolean changed = !Objects.equals(cur.region, c.region());
        if (decl.tracked().contains("tier")) {
            changed |= !Objects.equals(cur.tier, c.tier());
        }
        return changed;
    }

    private static void open(List<Version> versions, DimChange c, String name, long lsn) {
        Version v = new Version(c.id(), versions.size());
        set(v, c, name, lsn);
        versions.add(v);
    }

    private static void set(Version v, DimChange c, String name, long lsn) {
        v.name = name;
        v.region = c.region();
        v.tier = c.tier();
        v.lsn = lsn;
    }

    /**
     * A batch of facts: every customer it names is looked up first (one never seen becomes an inferred member), each to
     * its newest version; then the last record of each key is inserted, fills in a placeholder, or updates the fact's
     * values (its customer and member staying as first loaded).
     */
    private void facts(List<FactEvent> events) {
        Map<Long, Version> resolved = new LinkedHashMap<>();
        for (FactEvent e : events) {
            resolved.computeIfAbsent(e.cust(), this::lookup);
        }
        Map<Long, FactEvent> last = new LinkedHashMap<>();
        events.forEach(e -> last.put(e.id(), e));
        for (FactEvent e : last.values()) {
            Row r = rows.get(e.id());
            Integer amount = e.amount().value();
            if (r == null || r.placeholder) {
                r = r == null ? new Row(e.id()) : r;
                r.placeholder = false;
                r.cust = e.cust();
                r.ref = resolved.get(e.cust());
                rows.put(e.id(), r);
            }
            r.at = e.instant();
            r.amount = amount;
            r.cat = e.cat();
        }
    }

    /** The member a lookup resolves to: the current version, else the newest; an inferred member for a key never seen. */
    private Version lookup(long cust) {
        List<Version> versions = members.computeIfAbsent(cust, k -> new ArrayList<>());
        if (versions.isEmpty()) {
            Version v = new Version(cust, 0);
            v.inferred = true;
            versions.add(v);
        }
        return versions.stream().filter(v -> v.current).findFirst().orElse(versions.get(versions.size() - 1));
    }

    /** A patch: merged into the row of its key, made as a placeholder when its fact has not arrived. */
    private void patch(PatchEvent p) {
        Row r = rows.computeIfAbsent(p.id(), id -> {
            Row n = new Row(id);
            n.placeholder = true;
            return n;
        });
        boolean newer = !decl.patchVersioned() || r.ver == null || p.ver() >= r.ver;
        String note = p.note().value();
        if (note != null) {
            if (decl.noteMerge().equals("first") ? r.note == null : newer) {
                r.note = note;
            }
        }
        Integer score = p.score().value();
        if (score != null) {
            r.score = r.score == null ? score : decl.scoreMerge().equals("least") ? Math.min(r.score, score) : Math.max(r.score, score);
        }
        if (decl.patchVersioned()) {
            r.ver = r.ver == null ? p.ver() : Math.max(r.ver, p.ver());
        }
    }

    /** The dimension's rows, each key's versions in the order they were made. */
    public List<String> dimension() {
        List<String> out = new ArrayList<>();
        members.values().forEach(vs -> vs.forEach(v -> out.add(v.toString())));
        return out;
    }

    public List<String> facts() {
        return rows.values().stream().map(Row::toString).toList();
    }

    /** The rollup as SQL would compute it from the facts: count(*), and sum(amount), NULL when no fact has an amount. */
    public List<String> rollup() {
        Map<String, long[]> groups = new TreeMap<>();
        Map<String, Boolean> anyAmount = new TreeMap<>();
        for (Row r : rows.values()) {
            if (r.placeholder) {
                continue;
            }
            String g = group(r.at, r.cat, r.ref == null || r.ref.region == null ? "unknown" : r.ref.region);
            long[] m = groups.computeIfAbsent(g, k -> new long[2]);
            m[0]++;
            if (r.amount != null) {
                m[1] += r.amount;
                anyAmount.put(g, true);
            }
        }
        List<String> out = new ArrayList<>();
        groups.forEach((g, m) -> out.add(g + " n=" + m[0] + " total=" + (anyAmount.containsKey(g) ? String.valueOf(m[1]) : "null")));
        return out;
    }

    /** A group's key in the declaration's groups' order. */
    public String group(Instant at, String cat, String region) {
        StringBuilder g = new StringBuilder();
        for (String name : decl.groups()) {
            g.append(name).append('=').append(switch (name) {
                case "day" -> at.truncatedTo(ChronoUnit.DAYS).toString();
                case "cat" -> cat;
                default -> region;
            }).append(' ');
        }
        return g.toString().strip();
    }
}
