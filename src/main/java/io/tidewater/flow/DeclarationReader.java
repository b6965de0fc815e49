package io.tidewater.flow;

import static io.tidewater.flow.DeclarationContext.get;
import static io.tidewater.flow.DeclarationContext.line;
import static io.tidewater.flow.DeclarationContext.scalar;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import io.tidewater.config.ConfigException;
import io.tidewater.flow.DeclarationSpec.Prop;
import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.FlowSpec.Deletes;
import io.tidewater.flow.FlowSpec.Dimension;
import io.tidewater.flow.FlowSpec.Kind;
import io.tidewater.flow.FlowSpec.Lookup;
import io.tidewater.flow.FlowSpec.Measure;
import io.tidewater.flow.FlowSpec.Rollup;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * One flow's declaration (its bean's properties) read into its {@link FlowSpec}: each property as
 * {@link DeclarationSpec} says, then the rules that tie them together (a key among the columns, a version guard of the
 * right kind, a rollup's measures over columns). Every mistake is reported at the line of the key at fault.
 */
final class DeclarationReader {

    private static final Prop SPEC = DeclarationSpec.DECLARATION;
    private static final Set<String> VERSION_TYPES = Set.of("bigint", "int", "numeric", "timestamptz", "date");

    private final Path file;
    private final UnaryOperator<String> placeholders;

    DeclarationReader(Path file, UnaryOperator<String> placeholders) {
        this.file = file;
        this.placeholders = placeholders;
    }

    /**
     * What the file says of a flow besides its properties: its source's parameters (flow, topic, consumers) and the
     * line of its topic, the ids of its two routes, and whether the file's own templatedRoutes make them.
     */
    record Source(Map<String, String> parameters, int topicLine, String route, String applyRoute, boolean routesInFile) {
    }

    FlowSpec flow(String name, int line, MappingNode p, Source source) {
        DeclarationContext c = new DeclarationContext(file, "flow '" + name + "'");
        c.onlyKeys(p, SPEC);
        Map<String, Integer> keyLines = new LinkedHashMap<>();
        p.getValue().forEach(t -> keyLines.put(scalar(t.getKeyNode()), line(t.getKeyNode())));
        keyLines.put("topic", source.topicLine());
        String format = c.oneOf(p, SPEC, "format", null);
        Kind kind = Kind.valueOf(c.oneOf(p, SPEC, "kind", null).toUpperCase(Locale.ROOT));
        if (kind == Kind.MIRROR && !format.equals("debezium")) {
            throw c.error(get(p, "format") == null ? p : get(p, "format"), "a mirror replicates a table from its change events: it needs format: debezium");
        }
        String table = c.name(p, "table");
        List<String> key = c.list(p, "key");
        if (key.isEmpty()) {
            throw c.error(p, "needs a key: the column(s) a record is loaded by");
        }
        // A mirror may declare no column: its records' schema names and types them.
        MappingNode cols = c.map(p, "columns", kind != Kind.MIRROR);
        Map<String, Column> columns = columns(c, cols, kind);
        for (String k : key) {
            if (kind == Kind.MIRROR) {
                c.name(k, get(p, "key"));
            } else if (!columns.containsKey(k)) {
                throw c.error(get(p, "key"), "key column '" + k + "' is not among the columns");
            }
        }
        String version = scalar(get(p, "version"));
        Deletes deletes = Deletes.valueOf(c.oneOf(p, SPEC, "deletes",
                kind == Kind.MIRROR ? "hard" : version != null && !version.equals("lsn") ? "ignore" : "soft").toUpperCase(Locale.ROOT));
        checkMirror(c, p, cols, columns, kind, version);
        checkVersion(c, p, columns, kind, format, version, deletes);
        List<Lookup> lookups = lookups(c, p, columns);
        List<Rollup> rollups = rollups(c, p, columns, kind);
        Dimension dimension = kind == Kind.DIMENSION ? dimension(c, p, key, columns) : null;
        for (NodeTuple t : p.getValue()) {
            Prop prop = SPEC.prop(scalar(t.getKeyNode())).orElseThrow();
            if (!prop.isFor(kind)) {
                throw c.error(t.getKeyNode(), "'" + prop.name() + "' is for " + prop.kindsText() + " only");
            }
        }
        String topic = topic(name, source);
        Map<String, String> params = source.parameters();
        return new FlowSpec(name, file, line, format, kind, table, key, columns, version, deletes, lookups, rollups, dimension,
                topic, params.getOrDefault("consumers", "1"), source.route(), source.applyRoute(), Map.copyOf(params),
                source.routesInFile(), Map.copyOf(keyLines));
    }

    private static Map<String, Column> columns(DeclarationContext c, MappingNode cols, Kind kind) {
        Map<String, Column> columns = new LinkedHashMap<>();
        for (NodeTuple t : cols == null ? List.<NodeTuple>of() : cols.getValue()) {
            String col = scalar(t.getKeyNode());
            columns.put(col, ColumnReader.column(c.in("column '" + col + "'"), col, t.getValueNode(), kind));
        }
        return columns;
    }

    /** A version guard of the kind's sort; a mirror's columns as they come, and no lookups or rollups. */
    private static void checkMirror(DeclarationContext c, MappingNode p, MappingNode cols, Map<String, Column> columns, Kind kind,
                                    String version) {
        if (version != null && (kind == Kind.DIMENSION || kind == Kind.MIRROR && !version.equals("lsn"))) {
            throw c.error(get(p, "version"), kind == Kind.MIRROR ? "a mirror is guarded by version: lsn, or not at all"
                    : "a version guard is for facts and patches (a dimension always orders changes by LSN)");
        }
        if (kind != Kind.MIRROR) {
            return;
        }
        for (Column col : columns.values()) {
            if (col.expression() != null || !col.stored()) {
                throw c.error(get(cols, col.name()), "a mirror stores its columns as they come: no expression, no stored: false");
            }
        }
        for (String only : List.of("lookups", "rollups")) {
            if (get(p, only) != null) {
                throw c.error(get(p, only), "a mirror copies rows as they are; '" + only + "' are for facts");
            }
        }
    }

    /** version: lsn for changes (not a patch's), or a column read from a field, of an ordered type, with deletes ignored. */
    private static void checkVersion(DeclarationContext c, MappingNode p, Map<String, Column> columns, Kind kind, String format,
                                     String version, Deletes deletes) {
        if (kind == Kind.PATCH && "lsn".equals(version)) {
            throw c.error(get(p, "version"), "a patch orders its values by a version column of its own (merge: latest keeps the value "
                    + "of the greatest version), not by lsn");
        }
        if ("lsn".equals(version) && !format.equals("debezium")) {
            throw c.error(get(p, "version"), "a version guard by lsn needs format: debezium");
        }
        if (version == null || version.equals("lsn")) {
            return;
        }
        Column v = columns.get(version);
        if (v == null || !v.bound() || v.expression() != null || !VERSION_TYPES.contains(v.type().name())) {
            throw c.error(get(p, "version"), "version must be lsn or a column read from a field, of type bigint, int, "
                    + "numeric, timestamptz or date; was '" + version + "'");
        }
        if (deletes != Deletes.IGNORE) {
            throw c.error(get(p, "version"), "a delete carries no version column: with version: " + version
                    + " declare deletes: ignore, or guard by version: lsn");
        }
    }

    private static List<Lookup> lookups(DeclarationContext c, MappingNode p, Map<String, Column> columns) {
        List<Lookup> lookups = new ArrayList<>();
        MappingNode lm = c.map(p, "lookups", false);
        for (NodeTuple t : lm == null ? List.<NodeTuple>of() : lm.getValue()) {
            String ln = scalar(t.getKeyNode());
            DeclarationContext lc = c.in("lookup '" + ln + "'");
            MappingNode l = lc.asMap(t.getValueNode());
            lc.onlyKeys(l, DeclarationSpec.LOOKUP);
            Lookup lookup = new Lookup(lc.name(ln, l), lc.name(l, "column"), lc.text(l, "dimension"), lc.name(l, "into"),
                    line(t.getKeyNode()));
            if (!columns.containsKey(lookup.column())) {
                throw lc.error(get(l, "column"), "column '" + lookup.column() + "' is not among the columns");
            }
            lookups.add(lookup);
        }
        return lookups;
    }

    private static List<Rollup> rollups(DeclarationContext c, MappingNode p, Map<String, Column> columns, Kind kind) {
        List<Rollup> rollups = new ArrayList<>();
        MappingNode rm = c.map(p, "rollups", false);
        if (rm == null) {
            return rollups;
        }
        for (NodeTuple t : rm.getValue()) {
            String rn = scalar(t.getKeyNode());
            DeclarationContext rc = c.in("rollup '" + rn + "'");
            MappingNode r = rc.asMap(t.getValueNode());
            rc.onlyKeys(r, DeclarationSpec.ROLLUP);
            Map<String, String> groupBy = new LinkedHashMap<>();
            Map<String, Integer> entryLines = new LinkedHashMap<>();
            for (NodeTuple g : rc.map(r, "groupBy", true).getValue()) {
                String group = rc.name(scalar(g.getKeyNode()), g.getKeyNode());
                groupBy.put(group, rc.expression(g.getValueNode()));
                entryLines.put(group, line(g.getKeyNode()));
            }
            Map<String, Measure> measures = new LinkedHashMap<>();
            for (NodeTuple m : rc.map(r, "measures", true).getValue()) {
                Measure measure = measure(rc, m, columns);
                String measureName = rc.name(scalar(m.getKeyNode()), m.getKeyNode());
                measures.put(measureName, measure);
                entryLines.putIfAbsent(measureName, line(m.getKeyNode()));
            }
            rollups.add(new Rollup(rc.name(rn, t.getKeyNode()), groupBy, measures, line(t.getKeyNode()), Map.copyOf(entryLines)));
        }
        if (kind != Kind.FACT) {
            throw c.error(rm, "rollups are kept by fact flows only");
        }
        return rollups;
    }

    /** count, or sum(column) of a declared column. */
    private static Measure measure(DeclarationContext rc, NodeTuple m, Map<String, Column> columns) {
        String mv = scalar(m.getValueNode());
        if ("count".equals(mv)) {
            return new Measure(null);
        }
        if (mv != null && mv.matches("sum\\(([a-z_][a-z0-9_]*)\\)")) {
            String col = mv.substring(4, mv.length() - 1);
            if (!columns.containsKey(col)) {
                throw rc.error(m.getValueNode(), "sum of '" + col + "', which is not among the columns");
            }
            return new Measure(col);
        }
        throw rc.error(m.getValueNode(), "a measure is count or sum(column), was '" + mv + "'");
    }

    private Dimension dimension(DeclarationContext c, MappingNode p, List<String> key, Map<String, Column> columns) {
        if (key.size() != 1) {
            throw c.error(get(p, "key"), "a dimension has one natural key column");
        }
        String scd = c.oneOf(p, SPEC, "scd", null);
        List<String> tracked = c.list(p, "tracked");
        for (String t : tracked) {
            if (!columns.containsKey(t)) {
                throw c.error(get(p, "tracked"), "tracked column '" + t + "' is not among the columns");
            }
        }
        if (scd.equals("2") && tracked.isEmpty()) {
            throw c.error(p, "a type-2 dimension needs tracked: the columns whose change opens a new version");
        }
        MappingNode cache = c.map(p, "cache", false);
        Prop cacheSpec = SPEC.prop("cache").orElseThrow();
        long size = Long.parseLong(cacheSpec.prop("size").orElseThrow().dflt());
        long expire = Long.parseLong(cacheSpec.prop("expireSeconds").orElseThrow().dflt());
        if (cache != null) {
            c.onlyKeys(cache, cacheSpec);
            size = c.positive(cache, "size", size, placeholders);
            expire = c.positive(cache, "expireSeconds", expire, placeholders);
        }
        String surrogate = scalar(get(p, "surrogateKey"));
        return new Dimension(Integer.parseInt(scd), surrogate == null ? SPEC.prop("surrogateKey").orElseThrow().dflt()
                : c.name(p, "surrogateKey"), tracked, size, expire);
    }

    /** The topic(s) the source names, its placeholders resolved: Kafka topic names, comma-separated without spaces. */
    private String topic(String name, Source source) {
        String topic;
        try {
            topic = placeholders.apply(source.parameters().get("topic"));
        } catch (ConfigException e) {
            throw new FlowException(file, source.topicLine(), "flow '" + name + "': its topic names " + e.key() + ", which is not set "
                    + "(in application.properties or the environment)");
        }
        if (topic == null || topic.isBlank()) {
            throw new FlowException(file, source.topicLine(), "flow '" + name + "': " + (source.routesInFile() ? "the "
                    + FlowReader.SOURCE_TEMPLATE + " templatedRoute needs the parameter topic" : "its source needs a topic"));
        }
        for (String t : topic.split(",", -1)) {
            if (!t.matches("[A-Za-z0-9._-]+") && !t.contains("{{")) {
                throw new FlowException(file, source.topicLine(), "flow '" + name + "': '" + t + "' is not a Kafka topic name (the "
                        + (source.routesInFile() ? "parameter " : "source's ") + "topic takes one topic, or several separated by "
                        + "commas without spaces)");
            }
        }
        return topic;
    }
}
