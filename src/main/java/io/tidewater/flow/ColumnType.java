package io.tidewater.flow;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidewater.events.InvalidEventException;

/**
 * A warehouse column type a flow may declare (uuid, bigint, int, numeric(p,s), numeric, text, varchar(n), boolean,
 * timestamptz, date, jsonb): how a JSON value becomes a bound parameter of it, and how PostgreSQL names it.
 */
public record ColumnType(String name, int precision, int scale) {

    /** Reads a json/jsonb column's text as the events are read: decimals exact, a field named twice refused. */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = io.tidewater.events.EventJson.MAPPER;
    /** PostgreSQL's numeric: up to 131072 digits before the decimal point and 16383 after. */
    private static final long NUMERIC_INTEGER_DIGITS = 131_072;
    private static final int NUMERIC_SCALE = 16_383;
    /** A UUID in its canonical form: 8-4-4-4-12 hexadecimal digits. */
    private static final java.util.regex.Pattern UUID_FORM = java.util.regex.Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private static final Pattern PARAMETRIZED = Pattern.compile("(numeric|varchar)\\((\\d+)(?:,\\s*(\\d+))?\\)");
    public static final String NAMES = "uuid, bigint, int, numeric(p,s), numeric, text, varchar(n), boolean, timestamptz, date, jsonb";

    /** Parses a declared type; throws IllegalArgumentException naming the allowed types. */
    public static ColumnType parse(String declared) {
        String t = declared.strip().toLowerCase(Locale.ROOT);
        Matcher m = PARAMETRIZED.matcher(t);
        if (m.matches()) {
            int p = Integer.parseInt(m.group(2));
            int s = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
            if (m.group(1).equals("varchar") && m.group(3) != null || p < 1 || p > 1000 || s > p) {
                throw new IllegalArgumentException("'" + declared + "' is not a valid " + m.group(1));
            }
            return new ColumnType(m.group(1), p, s);
        }
        return switch (t) {
            case "uuid", "bigint", "text", "boolean", "timestamptz", "date", "jsonb", "numeric" -> new ColumnType(t, 0, 0);
            case "int", "integer" -> new ColumnType("int", 0, 0);
            default -> throw new IllegalArgumentException("unknown type '" + declared + "'; the types are " + NAMES);
        };
    }

    /** The type as PostgreSQL writes it (format_type), for creating and comparing columns. */
    public String sql() {
        return switch (name) {
            case "numeric" -> precision == 0 ? "numeric" : "numeric(" + precision + "," + scale + ")";
            case "varchar" -> "character varying(" + precision + ")";
            case "int" -> "integer";
            case "timestamptz" -> "timestamp with time zone";
            default -> name;
        };
    }

    /** The cast of a bound array parameter. */
    public String arrayCast() {
        return switch (name) {
            case "numeric" -> "numeric[]";
            case "varchar" -> "text[]";
            default -> name + "[]";
        };
    }

    /** An empty array of the Java type bound for this column. */
    public Object[] newArray(int n) {
        return switch (name) {
            case "bigint" -> new Long[n];
            case "int" -> new Integer[n];
            case "boolean" -> new Boolean[n];
            default -> new String[n];
        };
    }

    /** The value of a JSON field as it is bound; epochMicros: a number is a timestamp in microseconds (Debezium). */
    public Object value(String field, JsonNode v, boolean epochMicros) {
        return switch (name) {
            case "bigint", "int" -> integer(field, v);
            case "boolean" -> {
                if (!v.isBoolean()) {
                    throw new InvalidEventException("field '" + field + "' must be true or false");
                }
                yield v.asBoolean();
            }
            case "numeric" -> numeric(field, v);
            case "jsonb" -> jsonb(field, v, epochMicros);
            case "timestamptz" -> TemporalValues.timestamptz(field, v, epochMicros);
            case "date" -> TemporalValues.date(field, v, epochMicros);
            case "uuid" -> {
                String s = text(field, v);
                if (!UUID_FORM.matcher(s).matches()) {
                    throw new InvalidEventException("field '" + field + "' is not a UUID: " + s);
                }
                yield UUID.fromString(s).toString();
            }
            default -> text(field, v, name.equals("varchar") ? precision : 0);
        };
    }

    private Object integer(String field, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new InvalidEventException("field '" + field + "' must be an integer");
        }
        long l = v.asLong();
        if (name.equals("int")) {
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new InvalidEventException("field '" + field + "' is out of the int range: " + l);
            }
            return (int) l;
        }
        return l;
    }

    /** A number (or its text) within PostgreSQL's numeric range and the column's precision, as plain text. */
    private String numeric(String field, JsonNode v) {
        if (!v.isNumber() && !v.isTextual()) {
            throw new InvalidEventException("field '" + field + "' must be a number");
        }
        try {
            BigDecimal d = v.isBigDecimal() ? v.decimalValue() : new BigDecimal(v.asText());
            // Digits before the point, in long arithmetic: an exponent near the int range must not wrap around.
            long integerDigits = (long) d.precision() - d.scale();
            if (integerDigits > NUMERIC_INTEGER_DIGITS || d.scale() > NUMERIC_SCALE) {
                throw new InvalidEventException("field '" + field + "' is out of PostgreSQL's numeric range: " + d);
            }
            if (precision > 0 && integerDigits > precision - scale) {
                throw new InvalidEventException("field '" + field + "' does not fit numeric(" + precision + "," + scale + "): " + d);
            }
            // PostgreSQL would round the digits past the scale away: the value is refused rather than loaded altered
            // (zeros past the scale change nothing).
            if (precision > 0 && d.scale() > scale && d.stripTrailingZeros().scale() > scale) {
                throw new InvalidEventException("field '" + field + "' has more decimals than numeric(" + precision + "," + scale
                        + ") keeps: " + d.toPlainString());
            }
            return d.toPlainString();
        } catch (NumberFormatException e) {
            throw new InvalidEventException("field '" + field + "' must be a number, was '" + v.asText() + "'");
        }
    }

    static String jsonb(String field, JsonNode v, boolean epochMicros) {
        if (epochMicros && v.isTextual()) {
            // Debezium sends a json/jsonb column (io.debezium.data.Json) as its text: the document is that text.
            try {
                return wellFormed(field, JSON.readTree(v.asText()).toString());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new InvalidEventException("field '" + field + "' is not valid JSON: " + e.getOriginalMessage());
            }
        }
        return wellFormed(field, v.toString());
    }

    /** Text as it came, an empty string included; maxLength: a varchar's length in characters (0: none). */
    static String text(String field, JsonNode v, int maxLength) {
        if (!v.isTextual()) {
            throw new InvalidEventException("field '" + field + "' must be a string");
        }
        String s = wellFormed(field, v.asText());
        if (maxLength > 0 && s.codePointCount(0, s.length()) > maxLength) {
            throw new InvalidEventException("field '" + field + "' is longer than " + maxLength + " characters");
        }
        return s;
    }

    /**
     * The text itself, refused when it holds half of a surrogate pair (a JSON escape such as \\ud800 alone): it has no
     * UTF-8 form, and would reach the warehouse altered.
     */
    static String wellFormed(String field, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    throw new InvalidEventException("field '" + field + "' holds an unpaired surrogate (\\u"
                            + Integer.toHexString(c) + ") at character " + i + ": not Unicode text");
                }
            }
        }
        return s;
    }

    static String text(String field, JsonNode v) {
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new InvalidEventException("field '" + field + "' must be a non-empty string");
        }
        return v.asText();
    }

    /** For numeric checks (min/max): the bound value as a number, or null. */
    public static BigDecimal number(Object bound) {
        if (bound instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        if (bound instanceof Integer i) {
            return BigDecimal.valueOf(i);
        }
        if (bound instanceof String s) {
            try {
                return new BigDecimal(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
