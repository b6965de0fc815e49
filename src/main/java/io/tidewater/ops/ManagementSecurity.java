package io.tidewater.ops;

import java.util.function.BiConsumer;

import io.tidewater.config.ConfigException;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;

/**
 * Authentication of the management port outside embedded mode: Jolokia (/observe/jolokia) needs HTTP basic credentials,
 * the operator's user name and password from tidewater.ops.* (the password from the environment only, as
 * TIDEWATER_OPS_PASSWORD). Health and metrics stay open for probes and scrapers. The password stays in memory
 * (OperatorLogin): no file holds it, so none is left behind by a crash.
 */
public final class ManagementSecurity {

    private ManagementSecurity() {
    }

    /** Binds the management server that asks for the operator's login; nothing in embedded mode. */
    public static void bind(BiConsumer<String, Object> registry, TidewaterConfig config, boolean embedded) {
        if (!embedded) {
            registry.accept("managementServerFactory", new OperatorLogin(credentials(config)));
        }
    }

    /** The operator's credentials; fails naming the key when the password is missing or unusable. */
    public static Credentials credentials(TidewaterConfig config) {
        String user = config.get(Keys.OPS_USERNAME);
        String password = config.get(Keys.OPS_PASSWORD);
        if (user.isBlank() || !user.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigException(Keys.OPS_USERNAME.key(), "must be letters, digits, '.', '_' or '-', was '" + user + "'",
                    "set a plain user name, e.g. operator");
        }
        if (password.isBlank()) {
            throw new ConfigException(Keys.OPS_PASSWORD.key(), "is empty; outside embedded mode Jolokia and Hawtio require a login",
                    "set the environment variable " + TidewaterConfig.envName(Keys.OPS_PASSWORD.key()));
        }
        if (password.contains(",") || password.contains("\n") || password.strip().length() != password.length()) {
            throw new ConfigException(Keys.OPS_PASSWORD.key(), "contains a comma, a line break or surrounding spaces",
                    "choose a password without them");
        }
        return new Credentials(user, password);
    }

    public record Credentials(String username, String password) {
    }
}
