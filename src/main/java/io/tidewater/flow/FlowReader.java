package io.tidewater.flow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tidewater.events.InvalidEventException;
import io.tidewater.flow.DeclarationSpec.Prop;
import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.FlowSpec.Deletes;
import io.tidewater.flow.FlowSpec.Dimension;
import io.tidewater.flow.FlowSpec.Kind;
import io.tidewater.flow.FlowSpec.Lookup;
import io.tidewater.flow.FlowSpec.Measure;
import io.tidewater.flow.FlowSpec.Merge;
import io.tidewater.flow.FlowSpec.Rollup;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the flow declarations of a routes/*.camel.yaml file: a bean of type {@value #TYPE} whose properties declare the
 * flow, its source (topic, consumers) included; {@link FlowRoutes} makes its routes from the templates. A file of an
 * earlier release, whose flow's source is given instead by templatedRoutes of {@value #SOURCE_TEMPLATE} (topic,
 * consumers) and {@value #APPLY_TEMPLATE}, is read too, and Camel makes those routes. Every mistake is reported with
 * the file and line.
 */
public final class FlowReader {

    public static final String TYPE = "io.tidewater.flow.FlowDeclaration";
    public static final String SOURCE_TEMPLATE = "flow-source";
    public static final String APPLY_TEMPLATE = "flow-apply";
    private static final Prop SPEC = DeclarationSpec.DECLARATION;
    private static final Prop COLUMN = DeclarationSpec.COLUMN;

    private final UnaryOperator<String> placeholders;

    /** placeholders: resolves {{key}} in parameter values (topic, consumers). */
    public FlowReader(UnaryOperator<String> placeholders) {
        this.placeholders = placeholders;
    }

    /** The flows declared in a file (none for a file that declares none). */
    public List<FlowSpec> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Optional<Node> root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(file.toString()).build()).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(1);
            throw new FlowException(file, line, "not valid YAML: " + e.getProblem());
        }
        if (root.isEmpty() || !(root.get() instanceof SequenceNode entries)) {
            return List.of();
        }
        Map<String, MappingNode> declared = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        Map<String, Map<String, String>> sources = new LinkedHashMap<>();
        Map<String, Integer> topicLines = new LinkedHashMap<>();
        Map<String, String> sourceRoutes = new LinkedHashMap<>();
        Map<String, String> applyRoutes = new LinkedHashMap<>();
        for (Node entry : entries.getValue()) {
            if (!(entry instanceof MappingNode m)) {
                continue;
            }
            Node beans = get(m, "beans");
            if (beans instanceof SequenceNode list) {
                for (Node b : list.getValue()) {
                    if (b instanceof MappingNode bean && TYPE.equals(scalar(get(bean, "type")))) {
                        String name = scalar(get(bean, "name"));
                        if (name == null || !name.matches("[a-z][a-z0-9_-]*")) {
                            throw new FlowException(file, line(bean), "a flow needs a name of lower-case letters, digits, '-' or '_', was '" + name + "'");
                        }
                        Node props = get(bean, "properties");
                        if (!(props instanceof MappingNode p)) {
                            throw new FlowException(file, line(bean), "flow '" + name + "' has no properties to declare it");
                        }
                        declared.put(name, p);
                        lines.put(name, line(bean));
                    }
                }
            }
            Node templated = get(m, "templatedRoute");
            if (templated instanceof MappingNode t) {
                String ref = scalar(get(t, "routeTemplateRef"));
                Map<String, String> params = new LinkedHashMap<>();
                int topicLine = line(t);
                if (get(t, "parameters") instanceof SequenceNode ps) {
                    for (Node pn : ps.getValue()) {
                        if (pn instanceof MappingNode pm) {
                            String pname = scalar(get(pm, "name"));
                            String pvalue = scalar(get(pm, "value"));
                            if (pname != null && pvalue != null) {
                                params.put(pname, pvalue);
                                if (pname.equals("topic")) {
                                    topicLine = line(get(pm, "value"));
                                }
                            }
                        }
                    }
                }
                String flow = params.get("flow");
                if (SOURCE_TEMPLATE.equals(ref)) {
                    sources.put(flow, params);
                    topicLines.put(flow, topicLine);
                    sourceRoutes.put(flow, scalar(get(t, "routeId")));
                } else if (APPLY_TEMPLATE.equals(ref)) {
                    applyRoutes.put(flow, scalar(get(t, "routeId")));
                }
            }
        }
        List<FlowSpec> flows = new ArrayList<>();
        for (Map.Entry<String, MappingNode> e : declared.entrySet()) {
            String name = e.getKey();
            Node source = get(e.getValue(), "source");
            boolean routesInFile = sources.containsKey(name) || applyRoutes.containsKey(name);
            if (source != null && routesInFile) {
                throw new FlowException(file, line(source), "flow '" + name + "' declares its source twice: in 'source' and in a "
                        + "templatedRoute of this file; keep 'source' and delete the flow's templatedRoutes");
            }
            if (source != null) {
                Ctx c = new Ctx(file, "flow '" + name + "': source");
                MappingNode s = c.asMap(source);
                c.onlyKeys(s, DeclarationSpec.SOURCE);
                Map<String, String> params = new LinkedHashMap<>();
                params.put("flow", name);
                params.put("topic", c.text(s, "topic"));
                String consumers = scalar(get(s, "consumers"));
                params.put("consumers", consumers == null ? DeclarationSpec.SOURCE.prop("consumers").orElseThrow().dflt() : consumers);
                flows.add(flow(file, name, lines.get(name), e.getValue(), params, line(get(s, "topic")), name,
                        FlowSpec.applyRoute(name), false));
                continue;
            }
            if (!routesInFile) {
                throw new FlowException(file, lines.get(name), "flow '" + name + "' needs a source: {topic: <the Kafka topic it "
                        + "reads>, consumers: <how many consumers read it, 1 by default>}");
            }
            Map<String, String> templated = sources.get(name);
            if (templated != null && !name.equals(sourceRoutes.get(name))) {
                throw new FlowException(file, lines.get(name), "flow '" + name + "': its " + SOURCE_TEMPLATE
                        + " templatedRoute needs routeId: " + name + " (the flow's consumer route is named after the flow)");
            }
            if (templated == null || applyRoutes.get(name) == null) {
                throw new FlowException(file, lines.get(name), "flow '" + name + "' needs a templatedRoute of " + SOURCE_TEMPLATE
                        + " and one of " + APPLY_TEMPLATE + " with the parameter flow: " + name
                        + " (or, shorter, a source: {topic, consumers} in place of both)");
            }
            flows.add(flow(file, name, lines.get(name), e.getValue(), templated, topicLines.get(name), sourceRoutes.get(name),
                    applyRoutes.get(name), true));
        }
        return flows;
    }

    private FlowSpec flow(Path file, String name, int line, MappingNode p, Map<String, String> source, int topicLine, String route,
                          String apply, boolean routesInFile) {
        Ctx c = new Ctx(file, "flow '" + name + "'");
        c.onlyKeys(p, SPEC);
        Map<String, Integer> keyLines = new LinkedHashMap<>();
        for (NodeTuple t : p.getValue()) {
            keyLines.put(scalar(t.getKeyNode()), line(t.getKeyNode()));
        }
        keyLines.put("topic", topicLine);
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
        Map<String, Column> columns = new LinkedHashMap<>();
        // A mirror may declare no column: its records' schema names and types them.
        MappingNode cols = c.map(p, "columns", kind != Kind.MIRROR);
        for (NodeTuple t : cols == null ? List.<NodeTuple>of() : cols.getValue()) {
            String col = scalar(t.getKeyNode());
            columns.put(col, column(c.in("column '" + col + "'"), col, t.getValueNode(), kind));
        }
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
        if (version != null && (kind == Kind.DIMENSION || kind == Kind.MIRROR && !version.equals("lsn"))) {
            throw c.error(get(p, "version"), kind == Kind.MIRROR ? "a mirror is guarded by version: lsn, or not at all"
                    : "a version guard is for facts and patches (a dimension always orders changes by LSN)");
        }
        if (kind == Kind.MIRROR) {
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
        if (kind == Kind.PATCH && "lsn".equals(version)) {
            throw c.error(get(p, "version"), "a patch orders its values by a version column of its own (merge: latest keeps the value "
                    + "of the greatest version), not by lsn");
        }
        if ("lsn".equals(version) && !format.equals("debezium")) {
            throw c.error(get(p, "version"), "a version guard by lsn needs format: debezium");
        }
        if (version != null && !version.equals("lsn")) {
            Column v = columns.get(version);
            if (v == null || !v.bound() || v.expression() != null
                    || !Set.of("bigint", "int", "numeric", "timestamptz", "date").contains(v.type().name())) {
                throw c.error(get(p, "version"), "version must be lsn or a column read from a field, of type bigint, int, "
                        + "numeric, timestamptz or date; was '" + version + "'");
            }
            if (deletes != Deletes.IGNORE) {
                throw c.error(get(p, "version"), "a delete carries no version column: with version: " + version
                        + " declare deletes: ignore, or guard by version: lsn");
            }
        }
        List<Lookup> lookups = new ArrayList<>();
        MappingNode lm = c.map(p, "lookups", false);
        if (lm != null) {
            for (NodeTuple t : lm.getValue()) {
                String ln = scalar(t.getKeyNode());
                Ctx lc = c.in("lookup '" + ln + "'");
                MappingNode l = lc.asMap(t.getValueNode());
                lc.onlyKeys(l, DeclarationSpec.LOOKUP);
                Lookup lookup = new Lookup(lc.name(ln, l), lc.name(l, "column"), lc.text(l, "dimension"), lc.name(l, "into"),
                        line(t.getKeyNode()));
                if (!columns.containsKey(lookup.column())) {
                    throw lc.error(get(l, "column"), "column '" + lookup.column() + "' is not among the columns");
                }
                lookups.add(lookup);
            }
        }
        List<Rollup> rollups = new ArrayList<>();
        MappingNode rm = c.map(p, "rollups", false);
        if (rm != null) {
            for (NodeTuple t : rm.getValue()) {
                String rn = scalar(t.getKeyNode());
                Ctx rc = c.in("rollup '" + rn + "'");
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
                    String mv = scalar(m.getValueNode());
                    Measure measure;
                    if ("count".equals(mv)) {
                        measure = new Measure(null);
                    } else if (mv != null && mv.matches("sum\\(([a-z_][a-z0-9_]*)\\)")) {
                        String col = mv.substring(4, mv.length() - 1);
                        if (!columns.containsKey(col)) {
                            throw rc.error(m.getValueNode(), "sum of '" + col + "', which is not among the columns");
                        }
                        measure = new Measure(col);
                    } else {
                        throw rc.error(m.getValueNode(), "a measure is count or sum(column), was '" + mv + "'");
                    }
                    String measureName = rc.name(scalar(m.getKeyNode()), m.getKeyNode());
                    measures.put(measureName, measure);
                    entryLines.putIfAbsent(measureName, line(m.getKeyNode()));
                }
                rollups.add(new Rollup(rc.name(rn, t.getKeyNode()), groupBy, measures, line(t.getKeyNode()), Map.copyOf(entryLines)));
            }
            if (kind != Kind.FACT) {
                throw c.error(rm, "rollups are kept by fact flows only");
            }
        }
        Dimension dimension = null;
        if (kind == Kind.DIMENSION) {
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
            dimension = new Dimension(Integer.parseInt(scd), surrogate == null ? "key" : c.name(p, "surrogateKey"), tracked, size, expire);
        } else {
            for (String only : List.of("scd", "tracked", "surrogateKey", "cache")) {
                if (get(p, only) != null) {
                    throw c.error(get(p, only), "'" + only + "' is for dimensions only");
                }
            }
        }
        for (NodeTuple t : p.getValue()) {
            Prop prop = SPEC.prop(scalar(t.getKeyNode())).orElseThrow();
            if (!prop.isFor(kind)) {
                throw c.error(t.getKeyNode(), "'" + prop.name() + "' is for " + prop.kindsText() + " only");
            }
        }
        String topic;
        try {
            topic = placeholders.apply(source.get("topic"));
        } catch (io.tidewater.config.ConfigException e) {
            throw new FlowException(file, topicLine, "flow '" + name + "': its topic names " + e.key() + ", which is not set "
                    + "(in application.properties or the environment)");
        }
        if (topic == null || topic.isBlank()) {
            throw new FlowException(file, topicLine, "flow '" + name + "': " + (routesInFile ? "the " + SOURCE_TEMPLATE
                    + " templatedRoute needs the parameter topic" : "its source needs a topic"));
        }
        for (String t : topic.split(",", -1)) {
            if (!t.matches("[A-Za-z0-9._-]+") && !t.contains("{{")) {
                throw new FlowException(file, topicLine, "flow '" + name + "': '" + t + "' is not a Kafka topic name (the " + (routesInFile ? "parameter " : "source's ") + "topic "
                        + "takes one topic, or several separated by commas without spaces)");
            }
        }
        return new FlowSpec(name, file, line, format, kind, table, key, columns, version, deletes, lookups, rollups, dimension,
                topic, source.getOrDefault("consumers", "1"), route, apply, Map.copyOf(source), routesInFile, Map.copyOf(keyLines));
    }

    private static Column column(Ctx c, String name, Node node, Kind kind) {
        if (!Sql.valid(name)) {
            throw c.error(node, "'" + name + "' is not a valid column name (lower-case letters, digits, '_')");
        }
        MappingNode m = c.asMap(node);
        c.onlyKeys(m, COLUMN);
        ColumnType type;
        String declared = c.text(m, "type");
        try {
            type = ColumnType.parse(declared);
        } catch (IllegalArgumentException e) {
            String near = DeclarationSpec.nearest(declared, COLUMN.prop("type").orElseThrow().values());
            throw c.error(get(m, "type"), near == null || !e.getMessage().startsWith("unknown type") ? e.getMessage()
                    : "unknown type '" + declared + "' (did you mean '" + near + "'?); the types are " + ColumnType.NAMES);
        }
        String field = scalar(get(m, "field"));
        String expression = get(m, "expression") == null ? null : c.expression(get(m, "expression"));
        if (field == null && expression == null) {
            throw c.error(m, "needs a field (the source field), an expression (SQL over the flow's columns), or both");
        }
        if (expression != null && kind == Kind.DIMENSION) {
            throw c.error(get(m, "expression"), "a dimension's columns are stored as they come; put the expression in the flows that use it");
        }
        boolean required = c.bool(m, "required", true);
        Object defaultValue = null;
        if (get(m, "default") != null) {
            try {
                defaultValue = type.value(name, defaultNode(type, scalar(get(m, "default"))), false);
            } catch (InvalidEventException e) {
                throw c.error(get(m, "default"), "default: " + e.getMessage().replaceFirst("^field '[^']*' ", ""));
            }
        }
        Set<String> values = null;
        if (get(m, "values") != null) {
            values = new LinkedHashSet<>(Arrays.stream(scalar(get(m, "values")).split(",")).map(String::strip).toList());
        }
        String merge = scalar(get(m, "merge"));
        if (merge != null && kind != Kind.PATCH) {
            throw c.error(get(m, "merge"), "merge is for patch flows only");
        }
        Merge mergeRule = merge == null ? (kind == Kind.PATCH ? Merge.valueOf(COLUMN.prop("merge").orElseThrow().dflt().toUpperCase(Locale.ROOT)) : null)
                : Merge.valueOf(c.oneOf(m, COLUMN, "merge", null).toUpperCase(Locale.ROOT));
        return new Column(name, line(node), field, type, required, defaultValue, c.bool(m, "stored", true), expression,
                c.number(m, "min"), c.number(m, "max"), values, mergeRule);
    }

    static Node get(MappingNode m, String key) {
        for (NodeTuple t : m.getValue()) {
            if (key.equals(scalar(t.getKeyNode()))) {
                return t.getValueNode();
            }
        }
        return null;
    }

    static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    static int line(Node n) {
        return n == null ? 1 : n.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    /** Where a declaration is being read, for messages. */
    private record Ctx(Path file, String where) {

        Ctx in(String part) {
            return new Ctx(file, where + ", " + part);
        }

        FlowException error(Node at, String reason) {
            return new FlowException(file, line(at), where + ": " + reason);
        }

        void onlyKeys(MappingNode m, Prop spec) {
            for (NodeTuple t : m.getValue()) {
                String k = scalar(t.getKeyNode());
                if (spec.prop(k).isEmpty()) {
                    throw error(t.getKeyNode(), DeclarationSpec.unknownKey(k, spec.keys()));
                }
            }
        }

        MappingNode asMap(Node n) {
            if (!(n instanceof MappingNode m)) {
                throw error(n, "must be a map of properties");
            }
            return m;
        }

        MappingNode map(MappingNode m, String key, boolean required) {
            Node n = get(m, key);
            if (n == null) {
                if (required) {
                    throw error(m, "needs '" + key + "'");
                }
                return null;
            }
            MappingNode map = asMap(n);
            if (required && map.getValue().isEmpty()) {
                throw error(n, "'" + key + "' is empty");
            }
            return map;
        }

        String text(MappingNode m, String key) {
            String v = scalar(get(m, key));
            if (v == null || v.isBlank()) {
                throw error(get(m, key) == null ? m : get(m, key), "needs '" + key + "'");
            }
            return v.strip();
        }

        String name(MappingNode m, String key) {
            return name(text(m, key), get(m, key));
        }

        String name(String v, Node at) {
            if (!Sql.valid(v)) {
                throw error(at, "'" + v + "' is not a valid SQL name (lower-case letters, digits, '_')");
            }
            return v;
        }

        /** The value of a CHOICE property of spec: as stated, else dflt, else the spec's default; needed without one. */
        String oneOf(MappingNode m, Prop spec, String key, String dflt) {
            Prop p = spec.prop(key).orElseThrow();
            String v = scalar(get(m, key));
            if (v == null) {
                String d = dflt != null ? dflt : p.dflt();
                if (d == null) {
                    throw error(m, "needs '" + key + "', one of " + String.join(", ", p.values()));
                }
                return d;
            }
            if (!p.values().contains(v)) {
                String near = DeclarationSpec.nearest(v, p.values());
                throw error(get(m, key), key + " must be one of " + String.join(", ", p.values()) + ", was '" + v + "'"
                        + (near == null ? "" : " (did you mean '" + near + "'?)"));
            }
            return v;
        }

        List<String> list(MappingNode m, String key) {
            String v = scalar(get(m, key));
            if (v == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (String s : v.split(",")) {
                out.add(name(s.strip(), get(m, key)));
            }
            return out;
        }

        boolean bool(MappingNode m, String key, boolean dflt) {
            String v = scalar(get(m, key));
            if (v == null) {
                return dflt;
            }
            if (!v.equals("true") && !v.equals("false")) {
                throw error(get(m, key), key + " must be true or false, was '" + v + "'");
            }
            return Boolean.parseBoolean(v);
        }

        BigDecimal number(MappingNode m, String key) {
            String v = scalar(get(m, key));
            if (v == null) {
                return null;
            }
            try {
                return new BigDecimal(v);
            } catch (NumberFormatException e) {
                throw error(get(m, key), key + " must be a number, was '" + v + "'");
            }
        }

        long positive(MappingNode m, String key, long dflt, UnaryOperator<String> placeholders) {
            String v = scalar(get(m, key));
            if (v == null) {
                return dflt;
            }
            BigDecimal n;
            try {
                v = placeholders.apply(v);
            } catch (io.tidewater.config.ConfigException e) {
                throw error(get(m, key), key + " names " + e.key() + ", which is not set (in application.properties or the environment)");
            }
            try {
                n = new BigDecimal(v.strip());
            } catch (NumberFormatException e) {
                throw error(get(m, key), key + " must be a number, was '" + v + "'");
            }
            if (n.signum() <= 0 || n.scale() > 0) {
                throw error(get(m, key), key + " must be a positive whole number, was " + n);
            }
            return n.longValueExact();
        }

        /** An SQL expression from the declaration: one expression, never a statement. */
        String expression(Node n) {
            String v = scalar(n);
            if (v == null || v.isBlank()) {
                throw error(n, "needs an SQL expression");
            }
            if (v.contains(";") || v.contains("--") || v.contains("/*")) {
                throw error(n, "an expression cannot hold ';' or comments: '" + v + "'");
            }
            return v.strip();
        }
    }

    /** A default as the field would carry it: a number or true/false for a column of such a type, else the text. */
    private static com.fasterxml.jackson.databind.JsonNode defaultNode(ColumnType type, String scalar) {
        if (List.of("bigint", "int", "boolean").contains(type.name())) {
            try {
                com.fasterxml.jackson.databind.JsonNode n = io.tidewater.events.EventJson.MAPPER.readTree(scalar);
                if (n != null && (n.isNumber() || n.isBoolean())) {
                    return n;
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // not a number or a boolean: refused as text below
            }
        }
        return JsonNodeFactory.instance.textNode(scalar);
    }
}
