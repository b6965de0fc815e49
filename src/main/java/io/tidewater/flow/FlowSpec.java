package io.tidewater.flow;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One flow as declared in its routes/*.camel.yaml file: where records come from, the columns they become, what kind of
 * table they load, the dimensions they look up and the rollups kept with them. The one model behind the engine, the
 * checks and their error messages.
 */
public record FlowSpec(String name, Path file, int line, String format, Kind kind, String table, List<String> key,
                       Map<String, Column> columns, String version, Deletes deletes, List<Lookup> lookups,
                       List<Rollup> rollups, Dimension dimension, String topic, String consumers,
                       String route, String applyRoute, Map<String, String> sourceParameters, boolean routesInFile,
                       Map<String, Integer> lines) {

    /** The id of the apply route of a flow declared with its source (the consumer route's id is the flow's name). */
    public static String applyRoute(String flow) {
        return flow + "-apply";
    }

    /**
     * The line of the first of these properties the file states (format, kind, table, key, version, deletes, lookups,
     * rollups, ..., and topic for the topic parameter), or the bean's line: where an error about them points.
     */
    public int line(String... properties) {
        for (String p : properties) {
            Integer at = lines.get(p);
            if (at != null) {
                return at;
            }
        }
        return line;
    }

    public enum Kind { FACT, DIMENSION, PATCH, MIRROR }

    public enum Deletes { SOFT, HARD, IGNORE }

    public enum Merge { FIRST, LEAST, GREATEST, LATEST }

    /**
     * A warehouse column: from a source field, typed and checked, and stored as it is or through an SQL expression over
     * the flow's columns (the hook for "change the logic, then replay"); a column with an expression and no field is
     * computed only.
     */
    public record Column(String name, int line, String field, ColumnType type, boolean required, Object defaultValue,
                         boolean stored, String expression, java.math.BigDecimal min, java.math.BigDecimal max,
                         Set<String> values, Merge merge) {

        /** Whether a stored value may be NULL: an optional field without a default, or an expression's result. */
        public boolean nullable() {
            return expression != null || !required && defaultValue == null;
        }

        /** Read from the record (its value may still be rewritten by an expression before it is stored). */
        public boolean bound() {
            return field != null;
        }
    }

    /** A dimension looked up by one of this flow's columns; its surrogate key is stored in {@code into}; line: its entry's. */
    public record Lookup(String name, String column, String dimension, String into, int line) {

        public Lookup(String name, String column, String dimension, String into) {
            this(name, column, dimension, into, 0);
        }
    }

    /**
     * An aggregate table: group-by expressions (over the fact's columns and lookup.attribute) and count/sum measures;
     * line: the rollup's entry, lines: each group's and measure's entry, by name.
     */
    public record Rollup(String table, Map<String, String> groupBy, Map<String, Measure> measures, int line, Map<String, Integer> lines) {

        public Rollup(String table, Map<String, String> groupBy, Map<String, Measure> measures) {
            this(table, groupBy, measures, 0, Map.of());
        }

        /** The line of a group's or a measure's entry (the rollup's when unknown). */
        public int lineOf(String name) {
            return lines.getOrDefault(name, line);
        }

        public String countMeasure() {
            return measures.entrySet().stream().filter(e -> e.getValue().column() == null).map(Map.Entry::getKey)
                    .findFirst().orElse(null);
        }
    }

    /** count (column null) or sum(column). */
    public record Measure(String column) {
    }

    /** A dimension's own columns: the surrogate key, the type-2 tracked columns, and its lookup cache. */
    public record Dimension(int scd, String surrogateKey, List<String> tracked, long cacheSize, long cacheExpireSeconds) {
    }

    /** A mirror's column for a field of its records' schema that no declared column reads: named and typed as the source. */
    public static Column fromSchema(String name, ColumnType type, boolean key) {
        return new Column(name, 0, name, type, key, null, true, null, null, null, null, null);
    }

    /** The same flow with other columns (a mirror's declared columns and those its records' schema adds). */
    public FlowSpec withColumns(Map<String, Column> cols) {
        return new FlowSpec(name, file, line, format, kind, table, key, cols, version, deletes, lookups, rollups, dimension, topic,
                consumers, route, applyRoute, sourceParameters, routesInFile, lines);
    }

    /** The topics the flow reads: its topic parameter, comma-separated (as Camel's Kafka endpoint takes them). */
    public List<String> topics() {
        return java.util.Arrays.stream(topic.split(",")).map(String::strip).toList();
    }

    /** The column a version guard compares, or null when it compares LSNs (or there is none). */
    public String versionColumn() {
        return version == null || version.equals("lsn") ? null : version;
    }

    public boolean debezium() {
        return format.equals("debezium");
    }

    /** The natural key of a dimension (its one key column). */
    public String naturalKey() {
        return key.get(0);
    }

    /** The columns this flow writes to its table (the stored ones). */
    public List<Column> stored() {
        return columns.values().stream().filter(Column::stored).toList();
    }

    public List<Column> bound() {
        return columns.values().stream().filter(Column::bound).toList();
    }
}
