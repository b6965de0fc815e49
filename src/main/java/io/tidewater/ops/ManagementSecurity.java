package io.tidewater.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import io.tidewater.config.ConfigException;
import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;

/**
 * Authentication of the management port outside embedded mode: Jolokia (/observe/jolokia) needs HTTP basic credentials,
 * the operator's user name and password from tidewater.ops.* (the password from the environment only, as
 * TIDEWATER_OPS_PASSWORD). Health and metrics stay open for probes and scrapers. The credentials are handed to
 * Camel's management server in a private temporary file that is deleted when the process exits.
 */
public final class ManagementSecurity {

    private ManagementSecurity() {
    }

    /** The camel.management.* settings that switch authentication on; empty in embedded mode. */
    public static Map<String, String> properties(TidewaterConfig config, boolean embedded) {
        if (embedded) {
            return Map.of();
        }
        Credentials c = credentials(config);
        try {
            Path file = Files.createTempFile("tidewater-ops-", ".properties",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            file.toFile().deleteOnExit();
            Files.writeString(file, "user." + c.username() + "=" + c.password() + ",operator\nrole.operator=*\n");
            return Map.of(
                    "camel.management.authentication-enabled", "true",
                    "camel.management.authentication-path", "/observe/jolokia/*",
                    "camel.management.authentication-realm", "tidewater",
                    "camel.management.basic-properties-file", file.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the management credentials file", e);
        }
    }

    /** The operator's credentials; fails naming the key when the password is missing or unusable. */
    public static Credentials credentials(TidewaterConfig config) {
        String user = config.get(Keys.OPS_USERNAME, "operator");
        String password = config.get(Keys.OPS_PASSWORD, "");
        if (user.isBlank() || !user.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigException(Keys.OPS_USERNAME, "must be letters, digits, '.', '_' or '-', was '" + user + "'",
                    "set a plain user name, e.g. operator");
        }
        if (password.isBlank()) {
            throw new ConfigException(Keys.OPS_PASSWORD, "is empty; outside embedded mode Jolokia and Hawtio require a login",
                    "set the environment variable " + TidewaterConfig.envName(Keys.OPS_PASSWORD));
        }
        if (password.contains(",") || password.contains("\n") || password.strip().length() != password.length()) {
            throw new ConfigException(Keys.OPS_PASSWORD, "contains a comma, a line break or surrounding spaces",
                    "choose a password without them");
        }
        return new Credentials(user, password);
    }

    public record Credentials(String username, String password) {
    }
}
