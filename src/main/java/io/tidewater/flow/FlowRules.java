package io.tidewater.flow;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rules between declared flows: one name, one reader of a topic and one loader of a table each; a lookup of a
 * dimension; a rollup grouping only by what never changes in place; a patch writing no column a rollup reads.
 */
final class FlowRules {

    private FlowRules() {
    }

    /**
     * The flows by name, once checked against each other: names, topics, lookups and what each kind allows. A lookup of a
     * flow not declared is no mistake: its flow waits for it.
     */
    static Map<String, FlowSpec> validate(Collection<FlowSpec> declared) {
        Map<String, FlowSpec> byName = new LinkedHashMap<>();
        Map<String, FlowSpec> byTopic = new HashMap<>();
        Map<String, FlowSpec> byTable = new HashMap<>();
        for (FlowSpec f : declared) {
            FlowSpec twin = byName.put(f.name(), f);
            if (twin != null) {
                throw new FlowException(f.file(), f.line(), "flow '" + f.name() + "' is also declared in " + twin.file() + ":" + twin.line());
            }
            for (String topic : f.topics()) {
                FlowSpec sameTopic = byTopic.put(topic, f);
                if (sameTopic != null) {
                    throw new FlowException(f.file(), f.line("topic"), "flow '" + f.name() + "' reads topic " + topic + ", which flow '"
                            + sameTopic.name() + "' reads already");
                }
            }
            // A table is loaded by one flow: a second one's rows would miss the first one's rollups and lookups. A patch
            // updates another flow's table, which is what it is for.
            if (f.kind() != FlowSpec.Kind.PATCH) {
                FlowSpec sameTable = byTable.putIfAbsent(f.table(), f);
                if (sameTable != null) {
                    throw new FlowException(f.file(), f.line("table"), "flow '" + f.name() + "' loads table " + f.table() + ", which flow '"
                            + sameTable.name() + "' loads already; a table is loaded by one flow (a patch may update its columns)");
                }
            }
        }
        for (FlowSpec f : declared) {
            for (FlowSpec.Lookup l : f.lookups()) {
                FlowSpec d = byName.get(l.dimension());
                if (d != null && d.kind() != FlowSpec.Kind.DIMENSION) {
                    throw new FlowException(f.file(), l.line() > 0 ? l.line() : f.line("lookups"), "flow '" + f.name() + "', lookup '" + l.name() + "': '" + l.dimension()
                            + "' is not a dimension flow; the dimension flows are " + byName.values().stream()
                            .filter(x -> x.kind() == FlowSpec.Kind.DIMENSION).map(FlowSpec::name).toList());
                }
            }
            if (f.version() == null && f.kind() == FlowSpec.Kind.FACT && f.debezium() && f.deletes() != FlowSpec.Deletes.IGNORE) {
                throw new FlowException(f.file(), f.line("deletes", "kind"), "flow '" + f.name() + "': a fact from changes without a version guard cannot apply "
                        + "deletes; declare version: lsn, or deletes: ignore");
            }
            if (f.kind() == FlowSpec.Kind.PATCH) {
                refuseRolledUpPatch(f, declared);
            }
            refuseGroupsChangedInPlace(f, byName);
            for (FlowSpec.Rollup r : f.rollups()) {
                for (String count : RollupSql.valueCounts(f, r).values()) {
                    if (r.measures().containsKey(count) || r.groupBy().containsKey(count)) {
                        throw new FlowException(f.file(), r.lineOf(count) > 0 ? r.lineOf(count) : f.line("rollups"), "flow '" + f.name() + "', rollup " + r.table() + ": '" + count
                                + "' counts the values of the sum " + count.substring(0, count.length() - "_count".length())
                                + " (its column may be NULL); name the other column otherwise");
                    }
                }
            }
            if (f.version() != null && !f.rollups().isEmpty()) {
                throw new FlowException(f.file(), f.line("version", "rollups"), "flow '" + f.name() + "': rollups are kept for facts without a version guard");
            }
        }
        return byName;
    }

    /**
     * A rollup may group by a looked-up member's column only when that column never changes in place: a tracked column of
     * a type-2 dimension (a change of it opens a new version, and the facts keep the version they were loaded with). A
     * column updated in place would leave the groups of the facts already counted where they were.
     */
    private static void refuseGroupsChangedInPlace(FlowSpec f, Map<String, FlowSpec> byName) {
        for (FlowSpec.Lookup l : f.lookups()) {
            FlowSpec d = byName.get(l.dimension());
            if (d == null || d.dimension() == null) {
                continue;
            }
            java.util.regex.Pattern used = java.util.regex.Pattern.compile("(?<![a-z0-9_])" + l.name() + "\\s*\\.\\s*\"?([a-z_][a-z0-9_]*)");
            for (FlowSpec.Rollup r : f.rollups()) {
                for (Map.Entry<String, String> g : r.groupBy().entrySet()) {
                    java.util.regex.Matcher m = used.matcher(g.getValue());
                    while (m.find()) {
                        String column = m.group(1);
                        boolean fixed = column.equals(d.naturalKey()) || column.equals(d.dimension().surrogateKey())
                                || d.dimension().scd() == 2 && d.dimension().tracked().contains(column);
                        if (!fixed) {
                            throw new FlowException(f.file(), r.lineOf(g.getKey()) > 0 ? r.lineOf(g.getKey()) : f.line("rollups"), "flow '"
                                    + f.name() + "', rollup " + r.table() + ", group '" + g.getKey() + "': " + l.name() + "." + column
                                    + " changes in place in dimension '" + d.name() + "' (" + (d.dimension().scd() == 2 ? "it is not tracked"
                                    : "scd: 1") + "), which would leave the facts already counted in their old groups; group by a tracked "
                                    + "column of a type-2 dimension (scd: 2, tracked: " + column + ")");
                        }
                    }
                }
            }
        }
    }

    /**
     * A patch may not write a column that a rollup of the patched fact reads: a rollup is kept from its fact's records, so
     * a patched value would never reach it.
     */
    private static void refuseRolledUpPatch(FlowSpec patch, Collection<FlowSpec> declared) {
        for (FlowSpec f : declared) {
            if (f.kind() != FlowSpec.Kind.FACT || !f.table().equals(patch.table())) {
                continue;
            }
            for (FlowSpec.Rollup r : f.rollups()) {
                for (FlowSpec.Column c : patch.stored()) {
                    if (patch.key().contains(c.name())) {
                        continue;
                    }
                    java.util.regex.Pattern word = java.util.regex.Pattern.compile("(?<![a-z0-9_.])" + c.name() + "(?![a-z0-9_])");
                    boolean read = r.measures().values().stream().anyMatch(m -> c.name().equals(m.column()))
                            || r.groupBy().values().stream().anyMatch(e -> word.matcher(e).find());
                    if (read) {
                        throw new FlowException(patch.file(), c.line() > 0 ? c.line() : patch.line(), "flow '" + patch.name() + "' patches column '"
                                + c.name() + "' of " + patch.table() + ", which rollup " + r.table() + " of flow '" + f.name()
                                + "' reads; a rollup is kept from its fact's records only, so patch another column");
                    }
                }
            }
        }
    }
}
