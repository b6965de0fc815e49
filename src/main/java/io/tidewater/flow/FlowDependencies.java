package io.tidewater.flow;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.tidewater.flow.Flows.Waiting;

/**
 * Which declared flows can run, whatever order their files came in: a flow waits for each dimension flow its lookups
 * name (its rollups group by those lookups), and a patch for a flow that loads the table it patches, unless that table
 * is in the warehouse already. A flow that waits for a waiting flow waits too. A flow the dry run refused stays waiting
 * until its file is read again.
 */
final class FlowDependencies {

    private FlowDependencies() {
    }

    /** The declared flows split into those that run and those that wait. */
    record Split(Map<String, FlowSpec> running, Map<String, Waiting> waiting) {
    }

    /**
     * refused: flows a dry run refused, by name; each keeps waiting for as long as it is the same declaration (the same
     * object: its file was not read again).
     */
    static Split split(Collection<FlowSpec> declared, Predicate<String> tableExists, Map<String, Waiting> refused) {
        Map<String, FlowSpec> all = new LinkedHashMap<>();
        declared.forEach(f -> all.put(f.name(), f));
        Map<String, FlowSpec> running = new LinkedHashMap<>(all);
        Map<String, Waiting> waiting = new LinkedHashMap<>();
        for (FlowSpec f : declared) {
            Waiting r = refused.get(f.name());
            if (r != null && r.flow() == f) {
                running.remove(f.name());
                waiting.put(f.name(), r);
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (FlowSpec f : running.values().toArray(FlowSpec[]::new)) {
                Waiting w = waitsFor(f, all, running, tableExists);
                if (w != null) {
                    running.remove(f.name());
                    waiting.put(f.name(), w);
                    changed = true;
                }
            }
        }
        Map<String, Waiting> ordered = new LinkedHashMap<>();
        declared.stream().filter(f -> waiting.containsKey(f.name())).forEach(f -> ordered.put(f.name(), waiting.get(f.name())));
        return new Split(running, ordered);
    }

    /** What a flow waits for among the running ones (at its lookup's or its table's line), or null when it can run. */
    private static Waiting waitsFor(FlowSpec f, Map<String, FlowSpec> all, Map<String, FlowSpec> running, Predicate<String> tableExists) {
        for (FlowSpec.Lookup l : f.lookups()) {
            if (!running.containsKey(l.dimension())) {
                String reason = "flow " + l.dimension() + " (lookup '" + l.name() + "'), and starts when it "
                        + (all.containsKey(l.dimension()) ? "starts" : "is declared");
                if (!all.containsKey(l.dimension())) {
                    List<String> dimensions = all.values().stream().filter(d -> d.kind() == FlowSpec.Kind.DIMENSION).map(FlowSpec::name).toList();
                    String near = DeclarationSpec.nearest(l.dimension(), dimensions);
                    reason += near == null ? "" : " (no file declares it: did you mean " + near + "?)";
                }
                return new Waiting(f, reason, l.line() > 0 ? l.line() : f.line());
            }
        }
        if (f.kind() == FlowSpec.Kind.PATCH && running.values().stream().noneMatch(o -> o.kind() != FlowSpec.Kind.PATCH
                && o.table().equals(f.table())) && !tableExists.test(f.table())) {
            boolean declaredOwner = all.values().stream().anyMatch(o -> o.kind() != FlowSpec.Kind.PATCH && o.table().equals(f.table()));
            return new Waiting(f, "a flow that loads " + f.table() + " (the table it patches), and starts when one "
                    + (declaredOwner ? "starts" : "is declared"), f.line("table"));
        }
        return null;
    }
}
