package io.tidewater.flow;

import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.tidewater.flow.FlowSpec.Kind;

/**
 * The flow declaration's properties: each key, its type, its values and default, the kinds it is for, and what it
 * means. {@link FlowReader} takes its keys, values and defaults from here, and the README's reference, the JSON Schema
 * ({@code ./tidewater schema}) and the messages about unknown keys and values are made from it.
 */
public final class DeclarationSpec {

    /** How a property's value is written. */
    public enum Type {
        /** Any text (placeholders {{key}} allowed where said). */
        TEXT,
        /** A lower-case SQL name. */
        NAME,
        /** Lower-case SQL names, comma-separated. */
        NAMES,
        /** A positive whole number, or a {{key}} placeholder for one. */
        COUNT,
        /** A number. */
        NUMBER,
        /** true or false. */
        BOOLEAN,
        /** One of the property's values. */
        CHOICE,
        /** One SQL expression over the flow's columns (no ';', no comments). */
        EXPRESSION,
        /** A map of the properties under it. */
        OBJECT,
        /** A map of names to entries, each as its entry property says. */
        MAP
    }

    /**
     * One property. values: for a CHOICE, what it may be (for other types, a hint of what it takes); kinds: the kinds of
     * flow it is for; props: an OBJECT's properties; entry: a MAP's entries.
     */
    public record Prop(String name, Type type, boolean required, String dflt, List<String> values, Set<Kind> kinds,
                       String doc, List<Prop> props, Prop entry) {

        /** The property of this OBJECT (or of this MAP's entries) named so; empty when there is none. */
        public Optional<Prop> prop(String key) {
            List<Prop> in = type == Type.MAP && entry != null ? entry.props : props;
            return in.stream().filter(p -> p.name.equals(key)).findFirst();
        }

        /** The names of this OBJECT's properties (or of this MAP's entries' properties), in the order documented. */
        public List<String> keys() {
            List<Prop> in = type == Type.MAP && entry != null ? entry.props : props;
            return in.stream().map(Prop::name).toList();
        }

        /** Whether a flow of this kind may state the property. */
        public boolean isFor(Kind kind) {
            return kinds.contains(kind);
        }

        /** The kinds it is for, as a message names them ("dimensions", "facts and patches"). */
        public String kindsText() {
            return DeclarationSpec.kindsText(kinds);
        }
    }

    /** Kinds as a message names them ("dimensions", "facts and patches"). */
    public static String kindsText(Set<Kind> kinds) {
        List<String> names = kinds.stream().map(k -> k.name().toLowerCase(Locale.ROOT) + (k == Kind.PATCH ? "es" : "s")).toList();
        return names.size() == 1 ? names.get(0) : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }

    private static final Set<Kind> ALL = EnumSet.allOf(Kind.class);

    public static final Prop SOURCE = object("source", true, ALL, "Where the flow's records come from.",
            text("topic", true, null, "The Kafka topic the flow reads, or several separated by commas without spaces "
                    + "(shards of one table into one mirror, say); each gets its `<topic>.dlq`. Takes `{{key}}` placeholders."),
            new Prop("consumers", Type.COUNT, false, "1", List.of(), ALL, "How many Kafka consumers this instance runs for the flow, "
                    + "each with its share of the partitions. Takes `{{key}}` placeholders.", List.of(), null));

    public static final Prop COLUMN = object("<column>", false, ALL, "A warehouse column (a lower-case SQL name).",
            text("field", false, null, "The source field it is read from (for `debezium`, a column of `after`). A column needs a "
                    + "`field`, an `expression`, or both."),
            new Prop("type", Type.TEXT, true, null, List.of(ColumnType.NAMES.split(", ")), ALL,
                    "The warehouse type; a value that does not fit is dead-lettered.", List.of(), null),
            bool("required", "true", ALL, "A record without the field (or with null) is dead-lettered; `false` stores the `default`, or NULL."),
            text("default", false, null, "The value stored when the field is missing and `required: false`."),
            bool("stored", "true", EnumSet.of(Kind.FACT, Kind.DIMENSION, Kind.PATCH), "`false` reads and checks the field without storing it (for expressions)."),
            new Prop("expression", Type.EXPRESSION, false, null, List.of(), EnumSet.of(Kind.FACT, Kind.PATCH),
                    "SQL over the flow's columns, stored instead of the field's value.", List.of(), null),
            new Prop("min", Type.NUMBER, false, null, List.of(), ALL, "The least value; a smaller one is dead-lettered.", List.of(), null),
            new Prop("max", Type.NUMBER, false, null, List.of(), ALL, "The greatest value; a greater one is dead-lettered.", List.of(), null),
            text("values", false, null, "The values allowed, comma-separated; any other is dead-lettered."),
            choice("merge", "latest", EnumSet.of(Kind.PATCH), "How a patch combines the values of a key: the first to arrive, "
                    + "the least, the greatest, or the latest (with `version`, that of the greatest version).",
                    "first", "least", "greatest", "latest"));

    public static final Prop LOOKUP = object("<lookup>", false, EnumSet.of(Kind.FACT),
            "A lookup (its name is what rollups group by: `<lookup>.<dimension column>`).",
            name("column", true, "The flow's column looked up."),
            text("dimension", true, null, "The dimension flow whose Caffeine cache answers (an inferred member for a key it has never seen)."),
            name("into", true, "The column that stores the member's surrogate key."));

    public static final Prop ROLLUP = object("<rollup>", false, EnumSet.of(Kind.FACT),
            "An aggregate table (its name) kept in the same transaction as the facts.",
            map("groupBy", true, EnumSet.of(Kind.FACT), "Each group column: an SQL expression over the fact's columns and "
                    + "`<lookup>.<dimension column>` (a type-2 dimension's tracked columns only).",
                    new Prop("<group>", Type.EXPRESSION, false, null, List.of(), EnumSet.of(Kind.FACT), "", List.of(), null)),
            map("measures", true, EnumSet.of(Kind.FACT), "Each measure column: `count`, or `sum(<column>)`.",
                    new Prop("<measure>", Type.TEXT, false, null, List.of("count", "sum(<column>)"), EnumSet.of(Kind.FACT), "", List.of(), null)));

    /** The declaration: the bean's properties. */
    public static final Prop DECLARATION = object("properties", true, ALL, "The properties of a bean of type "
            + "io.tidewater.flow.FlowDeclaration in a routes/*.camel.yaml file: one flow.",
            SOURCE,
            choice("format", "json", ALL, "How records are written: JSON events, Kafka Connect JSON with its schema, or "
                    + "Debezium change envelopes.", "json", "connect", "debezium"),
            choice("kind", null, ALL, "What the flow loads (see Kinds).", "fact", "dimension", "patch", "mirror"),
            name("table", true, "The warehouse table it loads (a patch: the table it patches)."),
            new Prop("key", Type.NAMES, true, null, List.of(), ALL, "The column(s) a record is loaded by.", List.of(), null),
            map("columns", false, ALL, "The warehouse columns, each read from a field or computed (a mirror may declare none: "
                    + "its records' schema names and types them).", COLUMN),
            new Prop("version", Type.TEXT, false, null, List.of("lsn", "<column>"), EnumSet.of(Kind.FACT, Kind.PATCH, Kind.MIRROR),
                    "A version guard: `lsn` (format `debezium`; a mirror's only one), or a column of type bigint, int, numeric, "
                    + "timestamptz or date.", List.of(), null),
            choice("deletes", "soft", ALL, "What a delete does: keep the row with `deleted = true`, remove it, or nothing (a "
                    + "dimension closes the member's version unless `ignore`). Default `soft`; a mirror's `hard`; with "
                    + "`version: <column>`, `ignore`.", "soft", "hard", "ignore"),
            map("lookups", false, EnumSet.of(Kind.FACT), "Dimension members looked up by a column.", LOOKUP),
            map("rollups", false, EnumSet.of(Kind.FACT), "Aggregate tables kept with the facts.", ROLLUP),
            choice("scd", "2", EnumSet.of(Kind.DIMENSION), "`2`: a change of a tracked column opens a new version; `1`: changes "
                    + "update in place.", "1", "2"),
            name("surrogateKey", false, "key", EnumSet.of(Kind.DIMENSION), "The dimension's generated key column."),
            new Prop("tracked", Type.NAMES, false, null, List.of(), EnumSet.of(Kind.DIMENSION),
                    "The columns whose change opens a new version (needed by `scd: 2`).", List.of(), null),
            object("cache", false, EnumSet.of(Kind.DIMENSION), "The dimension's lookup cache.",
                    new Prop("size", Type.COUNT, false, "100000", List.of(), EnumSet.of(Kind.DIMENSION), "The most members it holds.", List.of(), null),
                    new Prop("expireSeconds", Type.COUNT, false, "300", List.of(), EnumSet.of(Kind.DIMENSION),
                            "How long a member stays after it was written.", List.of(), null)));

    private DeclarationSpec() {
    }

    /** The message for a key a map does not take: what it takes, and the nearest, when one is near. */
    public static String unknownKey(String key, List<String> allowed) {
        String near = nearest(key, allowed);
        return "unknown property '" + key + "'" + (near == null ? "" : " (did you mean '" + near + "'?)") + "; the properties are "
                + String.join(", ", allowed);
    }

    /** The allowed value nearest to a mistyped one (at most two edits away, or one of them a case change), or null. */
    public static String nearest(String value, List<String> allowed) {
        return allowed.stream().filter(a -> !a.startsWith("<"))
                .map(a -> new Object[] {a, distance(value.toLowerCase(Locale.ROOT), a.toLowerCase(Locale.ROOT))})
                .filter(d -> (int) d[1] <= Math.min(2, Math.max(1, value.length() / 3)))
                .min(Comparator.comparingInt(d -> (int) d[1])).map(d -> (String) d[0]).orElse(null);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static Prop object(String name, boolean required, Set<Kind> kinds, String doc, Prop... props) {
        return new Prop(name, Type.OBJECT, required, null, List.of(), kinds, doc, List.of(props), null);
    }

    private static Prop map(String name, boolean required, Set<Kind> kinds, String doc, Prop entry) {
        return new Prop(name, Type.MAP, required, null, List.of(), kinds, doc, List.of(), entry);
    }

    private static Prop text(String name, boolean required, String dflt, String doc) {
        return new Prop(name, Type.TEXT, required, dflt, List.of(), ALL, doc, List.of(), null);
    }

    private static Prop name(String name, boolean required, String doc) {
        return name(name, required, null, ALL, doc);
    }

    private static Prop name(String name, boolean required, String dflt, Set<Kind> kinds, String doc) {
        return new Prop(name, Type.NAME, required, dflt, List.of(), kinds, doc, List.of(), null);
    }

    private static Prop bool(String name, String dflt, Set<Kind> kinds, String doc) {
        return new Prop(name, Type.BOOLEAN, false, dflt, List.of("true", "false"), kinds, doc, List.of(), null);
    }

    private static Prop choice(String name, String dflt, Set<Kind> kinds, String doc, String... values) {
        return new Prop(name, Type.CHOICE, dflt == null, dflt, List.of(values), kinds, doc, List.of(), null);
    }
}
