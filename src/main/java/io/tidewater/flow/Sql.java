package io.tidewater.flow;

import java.util.regex.Pattern;

/** SQL identifiers of generated statements: validated (lower-case letters, digits and '_') and always double-quoted. */
public final class Sql {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private Sql() {
    }

    public static boolean valid(String name) {
        return name != null && IDENTIFIER.matcher(name).matches();
    }

    /** The quoted identifier; throws for a name that is not a plain identifier (no quoting tricks get through). */
    public static String id(String name) {
        if (!valid(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a valid SQL name (lower-case letters, digits, '_')");
        }
        return "\"" + name + "\"";
    }
}
