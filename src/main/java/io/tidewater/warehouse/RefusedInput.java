package io.tidewater.warehouse;

import java.sql.SQLException;
import java.util.Set;

/**
 * The warehouse refusing a statement's input for good: SQLSTATE class 22 (a data exception: a NUL, a value out of
 * range), class 23 (an integrity constraint) or 54000 (a value over a limit, such as an index row). Retrying the same
 * input cannot succeed. {@link EdwStatement} raises it with the driver's exception as its cause, its SQLSTATE and its
 * message, so that a route can catch it by type.
 */
public final class RefusedInput extends SQLException {

    private static final long serialVersionUID = 1L;
    private static final Set<String> OVER_A_LIMIT = Set.of("54000");

    RefusedInput(SQLException cause) {
        super(cause.getMessage(), state(cause), cause);
    }

    /** Whether a SQLSTATE says the input is refused for good. */
    public static boolean refuses(String state) {
        return state != null && (state.startsWith("22") || state.startsWith("23") || OVER_A_LIMIT.contains(state));
    }

    /** The SQLSTATE of an exception or of the first chained SQLException that has one. */
    public static String state(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (s.getSQLState() != null) {
                return s.getSQLState();
            }
        }
        return null;
    }
}
