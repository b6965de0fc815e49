package io.tidewater.flow;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.tidewater.config.ConfigException;
import io.tidewater.config.TidewaterConfig;

/** {{key}} and {{key:default}} in a flow file's values (topic, consumers, cache sizes), resolved from the configuration. */
public final class Placeholders {

    public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}:]+)(?::([^}]*))?}}");

    private Placeholders() {
    }

    /** The value with its placeholders resolved; a key that is not set fails, naming it. */
    public static String resolve(String value, TidewaterConfig config) {
        if (value == null) {
            return null;
        }
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = config.get(m.group(1).strip(), m.group(2));
            if (v == null) {
                throw new ConfigException(m.group(1).strip(), "is not set, and a flow declaration uses it", "set it in application.properties");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        return m.appendTail(out).toString();
    }
}
