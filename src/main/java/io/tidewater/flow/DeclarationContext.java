package io.tidewater.flow;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import io.tidewater.flow.DeclarationSpec.Prop;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Where in a flow file a declaration is being read (the file, and "flow 'x', column 'y'" for messages), and how its
 * YAML nodes are read: each value checked as {@link DeclarationSpec} says, each mistake a {@link FlowException} at the
 * line of its node.
 */
record DeclarationContext(Path file, String where) {

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

    DeclarationContext in(String part) {
        return new DeclarationContext(file, where + ", " + part);
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
