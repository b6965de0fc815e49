package io.tidewater.flow;

import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.tidewater.config.ConfigException;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * {{key}} and {{key:default}} in a flow file's values (topic, consumers, cache sizes), resolved by Camel's properties
 * component from the configuration, exactly as the routes made from the flow resolve them.
 */
public final class Placeholders {

    /** A value that is one placeholder: the key a message about the value names. */
    public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}:]+)(?::([^}]*))?}}");
    private static final Pattern MISSING = Pattern.compile("Property with key \\[([^]]+)]");

    private Placeholders() {
    }

    /** Resolves values from the configuration (the file's keys, the environment's overrides); a key not set fails, naming it. */
    public static UnaryOperator<String> of(TidewaterConfig config) {
        CamelContext camel = new DefaultCamelContext(false);
        camel.build();      // its type converter, which the properties component reads values with
        Properties values = new Properties();
        config.keys().forEach(k -> values.setProperty(k, config.get(k, "")));
        Keys.values(config).forEach(values::setProperty);
        camel.getPropertiesComponent().setInitialProperties(values);
        return v -> {
            if (v == null) {
                return null;
            }
            try {
                return camel.resolvePropertyPlaceholders(v);
            } catch (IllegalArgumentException e) {
                Matcher m = MISSING.matcher(String.valueOf(e.getMessage()));
                throw new ConfigException(m.find() ? m.group(1) : v, "is not set, and a flow declaration uses it",
                        "set it in application.properties");
            }
        };
    }
}
