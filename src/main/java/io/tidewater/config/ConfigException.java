package io.tidewater.config;

/** A configuration problem, always naming the key at fault and how to fix it. */
public class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String problem, String fix) {
        this(key, problem, fix, null);
    }

    public ConfigException(String key, String problem, String fix, Throwable cause) {
        super("Configuration key '" + key + "': " + problem + ". Fix: " + fix, cause);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
