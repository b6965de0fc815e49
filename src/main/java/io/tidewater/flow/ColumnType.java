package io.tidewater.flow;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
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

    /** PostgreSQL's timestamptz and date ranges (the first and last values it stores, infinity aside). */
    private static final Instant MIN_TIMESTAMP = Instant.parse("-4713-11-24T00:00:00Z");
    private static final Instant MAX_TIMESTAMP = Instant.parse("+294276-12-31T23:59:59.999999499Z");
    private static final LocalDate MIN_DATE = LocalDate.parse("-4713-11-24");
    private static final LocalDate MAX_DATE = LocalDate.parse("+5874897-12-31");

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
        switch (name) {
            case "bigint", "int" -> {
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
            case "boolean" -> {
                if (!v.isBoolean()) {
                    throw new InvalidEventException("field '" + field + "' must be true or false");
                }
                return v.asBoolean();
            }
            case "numeric" -> {
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
                    return d.toPlainString();
                } catch (NumberFormatException e) {
                    throw new InvalidEventException("field '" + field + "' must be a number, was '" + v.asText() + "'");
                }
            }
            case "jsonb" -> {
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
            case "timestamptz" -> {
                if (v.isIntegralNumber() && epochMicros) {
                    long micros = v.asLong();
                    return timestamp(field, Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000));
                }
                String s = text(field, v);
                if (isUtcInstant(s)) {
                    return s;
                }
                String endless = infinity(s);
                if (endless != null) {
                    return endless;
                }
                try {
                    return timestamp(field, Instant.parse(s));
                } catch (DateTimeParseException e) {
                    throw new InvalidEventException("field '" + field + "' is not an ISO-8601 instant: " + s);
                }
            }
            case "date" -> {
                if (v.isIntegralNumber() && epochMicros) {
                    long days = v.asLong();
                    if (days < MIN_DATE.toEpochDay() || days > MAX_DATE.toEpochDay()) {
                        throw new InvalidEventException("field '" + field + "' is out of PostgreSQL's date range: " + days + " days from 1970-01-01");
                    }
                    return date(field, LocalDate.ofEpochDay(days));
                }
                String s = text(field, v);
                String endless = infinity(s);
                if (endless != null) {
                    return endless;
                }
                try {
                    return date(field, LocalDate.parse(s));
                } catch (DateTimeParseException e) {
                    throw new InvalidEventException("field '" + field + "' is not an ISO-8601 date: " + s);
                }
            }
            case "uuid" -> {
                String s = text(field, v);
                if (!UUID_FORM.matcher(s).matches()) {
                    throw new InvalidEventException("field '" + field + "' is not a UUID: " + s);
                }
                return UUID.fromString(s).toString();
            }
            default -> {
                // Text as it came, an empty string included.
                if (!v.isTextual()) {
                    throw new InvalidEventException("field '" + field + "' must be a string");
                }
                String s = wellFormed(field, v.asText());
                if (name.equals("varchar") && s.codePointCount(0, s.length()) > precision) {
                    throw new InvalidEventException("field '" + field + "' is longer than " + precision + " characters");
                }
                return s;
            }
        }
    }

    /**
     * The common form of an instant, checked without parsing it into an object: yyyy-MM-ddTHH:mm:ss, an optional fraction
     * of 1 to 9 digits, and Z, naming a real date and time. PostgreSQL reads it as it is; any other form (an offset, a leap
     * second, a year past 9999) goes through Instant.parse.
     */
    static boolean isUtcInstant(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
            return false;
        }
        if (n > 20 && (s.charAt(19) != '.' || n == 21)) {
            return false;
        }
        for (int i = 20; i < n - 1; i++) {
            if (!digit(s.charAt(i))) {
                return false;
            }
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= YearMonth.of(year, month).lengthOfMonth()
                && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
    }

    /** PostgreSQL's infinity or -infinity as it is bound, for the text infinity or -infinity in any case; else null. */
    private static String infinity(String s) {
        return s.equalsIgnoreCase("infinity") ? "infinity" : s.equalsIgnoreCase("-infinity") ? "-infinity" : null;
    }

    /** 1 for a bound infinity, -1 for -infinity, 0 for any other bound value. */
    static int infinity(Object bound) {
        return "infinity".equals(bound) ? 1 : "-infinity".equals(bound) ? -1 : 0;
    }

    /**
     * An instant as PostgreSQL reads it: ISO-8601 in UTC; a year past 9999 without the sign ISO-8601 puts before it; a year
     * of 0 or less (1 BC, 2 BC...) as yyyy-MM-dd HH:mm:ss[.f]+00 BC, PostgreSQL refusing a signed year. Outside
     * PostgreSQL's timestamptz range (4714-11-24 BC to 294276-12-31 UTC) it is refused.
     */
    private static String timestamp(String field, Instant t) {
        if (t.isBefore(MIN_TIMESTAMP) || t.isAfter(MAX_TIMESTAMP)) {
            throw new InvalidEventException("field '" + field + "' is out of PostgreSQL's timestamptz range: " + t);
        }
        String s = t.toString();
        int dash = s.indexOf('-', 1);
        int year = Integer.parseInt(s.substring(0, dash));
        if (year > 0) {
            return s.charAt(0) == '+' ? s.substring(1) : s;
        }
        return bcYear(year) + s.substring(dash, s.length() - 1).replace('T', ' ') + "+00 BC";
    }

    /** A date as PostgreSQL reads it: yyyy-MM-dd; a year past 9999 without its sign; a year of 0 or less as yyyy-MM-dd BC. */
    private static String date(String field, LocalDate d) {
        if (d.isBefore(MIN_DATE) || d.isAfter(MAX_DATE)) {
            throw new InvalidEventException("field '" + field + "' is out of PostgreSQL's date range: " + d);
        }
        String s = d.toString();
        if (d.getYear() > 0) {
            return s.charAt(0) == '+' ? s.substring(1) : s;
        }
        return bcYear(d.getYear()) + s.substring(s.indexOf('-', 1)) + " BC";
    }

    /** The year BC of an ISO proleptic year of 0 or less (0 is 1 BC), in four digits at least. */
    private static String bcYear(int isoYear) {
        return String.format(Locale.ROOT, "%04d", 1 - isoYear);
    }

    /**
     * A bound timestamptz or date value other than infinity read back, for ordering: an Instant for a timestamp, a
     * LocalDate for a date.
     */
    static Comparable<?> temporal(String bound) {
        boolean bc = bound.endsWith(" BC");
        String s = bc ? bound.substring(0, bound.length() - 3) : bound;
        int dash = s.indexOf('-');
        int year = Integer.parseInt(s.substring(0, dash));
        year = bc ? 1 - year : year;
        String iso = (year < 0 ? String.format(Locale.ROOT, "-%04d", -year) : year > 9999 ? "+" + year
                : String.format(Locale.ROOT, "%04d", year)) + s.substring(dash);
        if (iso.indexOf(':') < 0) {
            return LocalDate.parse(iso);
        }
        if (bc) {
            iso = iso.replace(' ', 'T').replace("+00", "Z");
        }
        return Instant.parse(iso);
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The value of count decimal digits at from, or -1 if one of them is not a digit. */
    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (!digit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
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

    private static String text(String field, JsonNode v) {
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
