package io.tidewater.flow;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidewater.events.InvalidEventException;

/**
 * The values of timestamptz and date columns: ISO-8601 text or Debezium's epoch numbers, bound as PostgreSQL
 * reads them (infinity, BC years), refused outside PostgreSQL's range; and their order, for version guards.
 */
public final class TemporalValues {

    /** PostgreSQL's timestamptz and date ranges (the first and last values it stores, infinity aside). */
    private static final Instant MIN_TIMESTAMP = Instant.parse("-4713-11-24T00:00:00Z");
    private static final Instant MAX_TIMESTAMP = Instant.parse("+294276-12-31T23:59:59.999999499Z");
    private static final LocalDate MIN_DATE = LocalDate.parse("-4713-11-24");
    private static final LocalDate MAX_DATE = LocalDate.parse("+5874897-12-31");

    private TemporalValues() {
    }

    static String timestamptz(String field, JsonNode v, boolean epochMicros) {
        if (v.isIntegralNumber() && epochMicros) {
            long micros = v.asLong();
            return timestamp(field, Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000));
        }
        String s = ColumnType.text(field, v);
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

    static String date(String field, JsonNode v, boolean epochMicros) {
        if (v.isIntegralNumber() && epochMicros) {
            long days = v.asLong();
            if (days < MIN_DATE.toEpochDay() || days > MAX_DATE.toEpochDay()) {
                throw new InvalidEventException("field '" + field + "' is out of PostgreSQL's date range: " + days + " days from 1970-01-01");
            }
            return date(field, LocalDate.ofEpochDay(days));
        }
        String s = ColumnType.text(field, v);
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
    static String infinity(String s) {
        return s.equalsIgnoreCase("infinity") ? "infinity" : s.equalsIgnoreCase("-infinity") ? "-infinity" : null;
    }

    /** 1 for a bound infinity, -1 for -infinity, 0 for any other bound value. */
    public static int infinity(Object bound) {
        return "infinity".equals(bound) ? 1 : "-infinity".equals(bound) ? -1 : 0;
    }

    /**
     * An instant as PostgreSQL reads it: ISO-8601 in UTC; a year past 9999 without the sign ISO-8601 puts before it; a year
     * of 0 or less (1 BC, 2 BC...) as yyyy-MM-dd HH:mm:ss[.f]+00 BC, PostgreSQL refusing a signed year. Outside
     * PostgreSQL's timestamptz range (4714-11-24 BC to 294276-12-31 UTC) it is refused.
     */
    static String timestamp(String field, Instant t) {
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
    static String date(String field, LocalDate d) {
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
    static String bcYear(int isoYear) {
        return String.format(Locale.ROOT, "%04d", 1 - isoYear);
    }

    /**
     * A bound timestamptz or date value other than infinity read back, for ordering: an Instant for a timestamp, a
     * LocalDate for a date.
     */
    public static Comparable<?> temporal(String bound) {
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

    static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The value of count decimal digits at from, or -1 if one of them is not a digit. */
    static int digits(String s, int from, int count) {
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
}
