package io.tidewater.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Every key of application.properties checked against its {@link Setting} in {@link Keys} (its type, its range, whether
 * it may be empty), and the capture blocks against {@link CaptureBlocks}: before anything starts and by
 * {@code tidewater check}, so a bad value fails naming its key instead of failing later, or silently.
 */
public final class ConfigRules {

    private ConfigRules() {
    }

    /** Fails on the first key out of its range or empty, naming it. */
    public static void require(TidewaterConfig config) {
        List<ConfigException> problems = problems(config);
        if (!problems.isEmpty()) {
            throw problems.get(0);
        }
    }

    /** Every key out of its range, of the wrong type or empty, in the order of application.properties' sections. */
    public static List<ConfigException> problems(TidewaterConfig config) {
        List<ConfigException> problems = new ArrayList<>();
        for (Setting<?> setting : Keys.all()) {
            try {
                config.get(setting);
            } catch (ConfigException e) {
                problems.add(e);
            }
        }
        problems.addAll(capturePorts(config));
        try {
            if (config.get(Keys.CAPTURE_ENABLED)) {
                problems.addAll(CaptureBlocks.problems(config));
            }
        } catch (ConfigException e) {
            // reported above
        }
        return problems;
    }

    /** Each capture block's port (one naming another key is checked as that key). */
    private static List<ConfigException> capturePorts(TidewaterConfig config) {
        List<ConfigException> problems = new ArrayList<>();
        config.keys().stream().filter(k -> k.matches("tidewater\\.capture\\.[^.]+\\.port")).sorted().forEach(key -> {
            String raw = config.get(key);
            if (raw != null && !raw.startsWith("{{")) {    // a placeholder: the key it names is checked itself
                try {
                    config.get(Setting.port(key, 0));
                } catch (ConfigException e) {
                    problems.add(e);
                }
            }
        });
        return problems;
    }
}
