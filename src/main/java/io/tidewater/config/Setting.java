package io.tidewater.config;

/**
 * One key of application.properties: its name, its type, its default and the values it takes. Every key and its default
 * is declared once, in {@link Keys}; {@link TidewaterConfig#get(Setting)} reads it as its type, {@link ConfigRules}
 * checks it at start, and Camel's property placeholders ({{key}} in routes/) fall back on the same default.
 *
 * @param defaultValue the value when the key is unset or empty (null: none)
 * @param min the least whole number or port, or for text 1 when an empty value (from the environment) means nothing
 * @param why where a bound comes from, said with the fix when a value is out of range (or null)
 */
public record Setting<T>(String key, Type type, T defaultValue, long min, long max, String why) {

    public enum Type { TEXT, WHOLE, PORT, FLAG }

    /** Any whole number from 1 up. */
    public static final long ANY = Integer.MAX_VALUE;

    /** Text; defaultValue null for a key that has none (an external address, a password). */
    public static Setting<String> text(String key, String defaultValue) {
        return new Setting<>(key, Type.TEXT, defaultValue, 0, 0, null);
    }

    /** Text that cannot be empty: an empty value from the environment fails the start instead of meaning nothing. */
    public static Setting<String> name(String key, String defaultValue) {
        return new Setting<>(key, Type.TEXT, defaultValue, 1, 0, null);
    }

    /** A whole number of at least 1. */
    public static Setting<Integer> whole(String key, int defaultValue) {
        return whole(key, defaultValue, 1, ANY, null);
    }

    public static Setting<Integer> whole(String key, int defaultValue, long min, long max, String why) {
        return new Setting<>(key, Type.WHOLE, defaultValue, min, max, why);
    }

    /** A TCP port; 0 picks a free one. */
    public static Setting<Integer> port(String key, int defaultValue) {
        return new Setting<>(key, Type.PORT, defaultValue, 0, 65535, "a TCP port; 0 picks a free one");
    }

    public static Setting<Boolean> flag(String key, boolean defaultValue) {
        return new Setting<>(key, Type.FLAG, defaultValue, 0, 0, null);
    }

    /** The value of a raw setting (trimmed, non-empty) as this key's type; from: where it came from, for the message. */
    T parse(String raw, String from) {
        Object value = switch (type) {
            case TEXT -> raw;
            case FLAG -> {
                if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
                    throw new ConfigException(key, "'" + raw + "' is not a boolean" + from, "set true or false");
                }
                yield Boolean.parseBoolean(raw);
            }
            case WHOLE, PORT -> whole(raw, from);
        };
        @SuppressWarnings("unchecked")
        T typed = (T) value;
        return typed;
    }

    private Integer whole(String raw, String from) {
        String range = max == ANY ? "at least " + min : "between " + min + " and " + max;
        String fix = "set a whole number " + (max == ANY ? "of " : "") + range + (why == null ? "" : " (" + why + ")")
                + (defaultValue == null || defaultValue.equals(0) ? "" : "; the default is " + defaultValue);
        long value;
        try {
            value = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "'" + raw + "' is not a whole number" + from, fix);
        }
        if (value < min || value > max) {
            throw new ConfigException(key, "must be " + range + ", was " + raw + from, fix);
        }
        return (int) value;
    }

    /** The key, so that a message can name it as it is written in application.properties. */
    @Override
    public String toString() {
        return key;
    }
}
