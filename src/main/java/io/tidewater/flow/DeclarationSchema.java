package io.tidewater.flow;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tidewater.flow.DeclarationSpec.Prop;
import io.tidewater.flow.DeclarationSpec.Type;
import io.tidewater.flow.FlowSpec.Kind;

/**
 * What {@link DeclarationSpec} is written as for people and editors: a JSON Schema of the declaration's properties
 * ({@code ./tidewater schema}) and the README's reference table ({@code ./tidewater schema --markdown}).
 */
public final class DeclarationSchema {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME = "^[a-z_][a-z0-9_]*$";
    private static final String NAMES = "^\\s*[a-z_][a-z0-9_]*(\\s*,\\s*[a-z_][a-z0-9_]*)*\\s*$";
    /** A positive whole number, or a placeholder for one. */
    private static final String COUNT = "^(\\s*[1-9][0-9]*\\s*|.*\\{\\{.+}}.*)$";

    private DeclarationSchema() {
    }

    /** The JSON Schema (draft 2020-12) of a FlowDeclaration bean's properties. */
    public static ObjectNode jsonSchema() {
        ObjectNode root = schema(DeclarationSpec.DECLARATION);
        ObjectNode out = JSON.createObjectNode();
        out.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        out.put("title", "Tidewater flow declaration");
        out.setAll(root);
        return out;
    }

    /** The schema as printed: indented JSON. */
    public static String jsonSchemaText() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(jsonSchema());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode schema(Prop p) {
        ObjectNode s = JSON.createObjectNode();
        switch (p.type()) {
            case TEXT -> text(s, p);
            case NAME -> s.put("type", "string").put("pattern", NAME);
            case NAMES -> s.put("type", "string").put("pattern", NAMES);
            case COUNT -> anyOf(s, JSON.createObjectNode().put("type", "integer").put("minimum", 1),
                    JSON.createObjectNode().put("type", "string").put("pattern", COUNT));
            case NUMBER -> anyOf(s, JSON.createObjectNode().put("type", "number"),
                    JSON.createObjectNode().put("type", "string").put("pattern", "^\\s*[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?\\s*$"));
            case BOOLEAN -> s.put("type", "boolean");
            case CHOICE -> choice(s, p);
            case EXPRESSION -> {
                s.put("type", "string").put("minLength", 1);
                s.putObject("not").put("pattern", ";|--|/\\*");
            }
            case OBJECT -> object(s, p);
            case MAP -> {
                s.put("type", "object");
                if (p.required()) {
                    s.put("minProperties", 1);
                }
                s.set("additionalProperties", schema(p.entry()));
            }
            default -> throw new IllegalStateException(p.type().toString());
        }
        String doc = description(p);
        if (!doc.isEmpty()) {
            s.put("description", doc);
        }
        if (p.dflt() != null) {
            switch (p.type()) {
                case BOOLEAN -> s.put("default", Boolean.parseBoolean(p.dflt()));
                case COUNT -> s.put("default", Long.parseLong(p.dflt()));
                default -> s.put("default", p.dflt());
            }
        }
        return s;
    }

    private static void text(ObjectNode s, Prop p) {
        s.put("type", "string");
        if (!p.values().isEmpty()) {
            ArrayNode examples = s.putArray("examples");
            p.values().forEach(examples::add);
        }
    }

    private static void anyOf(ObjectNode s, ObjectNode... options) {
        ArrayNode any = s.putArray("anyOf");
        for (ObjectNode o : options) {
            any.add(o);
        }
    }

    private static void choice(ObjectNode s, Prop p) {
        ArrayNode values = s.putArray("enum");
        for (String v : p.values()) {
            values.add(v);
            if (v.matches("[0-9]+")) {
                values.add(Integer.parseInt(v));    // YAML reads scd: 2 as a number
            }
        }
    }

    /** Its properties, those every kind needs required, and no other. */
    private static void object(ObjectNode s, Prop p) {
        s.put("type", "object");
        ObjectNode props = s.putObject("properties");
        List<String> required = new ArrayList<>();
        for (Prop c : p.props()) {
            props.set(c.name(), schema(c));
            if (c.required() && c.kinds().containsAll(EnumSet.allOf(Kind.class))) {
                required.add(c.name());
            }
        }
        if (!required.isEmpty()) {
            ArrayNode r = s.putArray("required");
            required.forEach(r::add);
        }
        s.put("additionalProperties", false);
    }

    private static String description(Prop p) {
        String kinds = p.kinds().containsAll(EnumSet.allOf(Kind.class)) ? "" : " For " + p.kindsText() + " only.";
        return (p.doc().replace("`", "") + kinds).strip();
    }

    /** The README's reference: one row for each property, its path, what it takes, its default and what it means. */
    public static String markdown() {
        StringBuilder out = new StringBuilder("| property | takes | default | for | meaning |\n|---|---|---|---|---|\n");
        rows("", DeclarationSpec.DECLARATION, out);
        return out.toString();
    }

    private static void rows(String at, Prop p, StringBuilder out) {
        List<Prop> children = p.type() == Type.MAP ? (p.entry().type() == Type.OBJECT ? p.entry().props() : List.of()) : p.props();
        String base = p.type() == Type.MAP ? at + p.entry().name() + "." : at;
        for (Prop c : children) {
            String path = base + c.name();
            // A property under one for some kinds is for those kinds at most.
            EnumSet<Kind> kinds = EnumSet.copyOf(c.kinds());
            kinds.retainAll(p.kinds());
            out.append("| `").append(path).append("` | ").append(takes(c)).append(" | ")
                    .append(c.required() ? "required" : c.dflt() == null ? "" : "`" + c.dflt() + "`").append(" | ")
                    .append(kinds.size() == Kind.values().length ? "all" : DeclarationSpec.kindsText(kinds)).append(" | ")
                    .append(c.doc().replace("|", "\\|")).append(" |\n");
            if (c.type() == Type.OBJECT || c.type() == Type.MAP) {
                rows(path + ".", withKinds(c, kinds), out);
            }
        }
    }

    private static Prop withKinds(Prop p, EnumSet<Kind> kinds) {
        return new Prop(p.name(), p.type(), p.required(), p.dflt(), p.values(), kinds, p.doc(), p.props(), p.entry());
    }

    private static String takes(Prop p) {
        return switch (p.type()) {
            case TEXT -> p.values().isEmpty() ? "text" : "text: " + quoted(p.values());
            case NAME -> "SQL name";
            case NAMES -> "SQL names, comma-separated";
            case COUNT -> "whole number ≥ 1";
            case NUMBER -> "number";
            case BOOLEAN -> "`true`, `false`";
            case CHOICE -> quoted(p.values());
            case EXPRESSION -> "SQL expression";
            case OBJECT -> "map";
            case MAP -> p.entry().type() == Type.OBJECT ? "map of `" + p.entry().name() + "`"
                    : "map of `" + p.entry().name() + "`: " + takes(p.entry());
        };
    }

    private static String quoted(List<String> values) {
        return values.stream().map(v -> "`" + v + "`").collect(Collectors.joining(", "));
    }
}
