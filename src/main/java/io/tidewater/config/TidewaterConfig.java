package io.tidewater.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Tidewater's own settings (tidewater.*): application.properties from the working directory,
 * overridden by environment variables (tidewater.kafka.bootstrap-servers -> TIDEWATER_KAFKA_BOOTSTRAP_SERVERS).
 */
public final class TidewaterConfig {

    private final Map<String, String> values;
    private final Map<String, String> env;

    private TidewaterConfig(Map<String, String> values, Map<String, String> env) {
        this.values = values;
        this.env = env;
    }

    /** Loads the file if it exists; environment variables win over it. */
    public static TidewaterConfig load(Path file, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        if (Files.isRegularFile(file)) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                props.load(reader);
            } catch (IOException e) {
                throw new ConfigException("application.properties", "cannot read " + file.toAbsolutePath(),
                        "make the file readable", e);
            }
            props.stringPropertyNames().forEach(k -> values.put(k, props.getProperty(k).trim()));
        }
        return new TidewaterConfig(values, env);
    }

    public static TidewaterConfig of(Map<String, String> values) {
        return new TidewaterConfig(new HashMap<>(values), Map.of());
    }

    /** The environment variable that overrides a key. */
    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String get(String key, String defaultValue) {
        String fromEnv = env.get(envName(key));
        if (fromEnv != null) {
            return fromEnv.trim();
        }
        String value = values.get(key);
        return value == null || value.isEmpty() ? defaultValue : value;
    }

    /** Whether the key's value comes from its environment variable rather than the file. */
    public boolean fromEnvironment(String key) {
        return env.get(envName(key)) != null;
    }

    /** The keys the file sets (environment variables override their values, see {@link #get}). */
    public java.util.Set<String> keys() {
        return java.util.Set.copyOf(values.keySet());
    }

    public String get(String key) {
        return get(key, null);
    }

    /**
     * A key's value as its type: its default when unset (or empty in the file); fails naming the key for a value of the
     * wrong type or out of range, or for an empty value (from the environment) of a key that needs one.
     */
    public <T> T get(Setting<T> setting) {
        String raw = get(setting.key(), null);
        if (raw == null) {
            return setting.defaultValue();
        }
        String from = fromEnvironment(setting.key()) ? " (from " + envName(setting.key()) + ")" : "";
        if (raw.isEmpty() && setting.type() == Setting.Type.TEXT && setting.min() > 0) {
            throw new ConfigException(setting.key(), "is empty" + from,
                    "set a value, or remove " + envName(setting.key()) + " for the default");
        }
        return setting.parse(raw, from);
    }

    /**
     * The keys of the file under a prefix (e.g. "camel.") whose environment variable is set, with that variable's
     * value: Camel reads its own keys from the file, so these are handed to it as overrides.
     */
    public Map<String, String> environmentOverrides(String prefix) {
        Map<String, String> out = new HashMap<>();
        for (String key : values.keySet()) {
            String fromEnv = env.get(envName(key));
            if (key.startsWith(prefix) && fromEnv != null) {
                out.put(key, fromEnv.trim());
            }
        }
        return out;
    }

    /** A copy with some keys replaced, used to hand resolved values (ports, URLs) to Camel. */
    public TidewaterConfig with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(values);
        merged.putAll(overrides);
        Map<String, String> envLeft = new HashMap<>(env);
        overrides.keySet().forEach(k -> envLeft.remove(envName(k)));
        return new TidewaterConfig(merged, envLeft);
    }
}
