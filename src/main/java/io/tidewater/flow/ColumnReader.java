package io.tidewater.flow;

import static io.tidewater.flow.DeclarationContext.get;
import static io.tidewater.flow.DeclarationContext.line;
import static io.tidewater.flow.DeclarationContext.scalar;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tidewater.events.InvalidEventException;
import io.tidewater.flow.DeclarationSpec.Prop;
import io.tidewater.flow.FlowSpec.Column;
import io.tidewater.flow.FlowSpec.Kind;
import io.tidewater.flow.FlowSpec.Merge;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/** One column of a declaration: its source field or expression, its type and checks, and a patch's merge rule. */
final class ColumnReader {

    private static final Prop COLUMN = DeclarationSpec.COLUMN;

    private ColumnReader() {
    }

    /** A column named so, read from its node, for a flow of the kind. */
    static Column column(DeclarationContext c, String name, Node node, Kind kind) {
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
