package io.tidewater.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import io.tidewater.warehouse.EdwStatement;

/** Runs a generated statement as the routes' warehouse call does ({@link EdwStatement}): each :?name bound from the map. */
public final class NamedSql {

    private NamedSql() {
    }

    /** Executes; returns the rows of the first result, or none. */
    public static List<Map<String, Object>> execute(Connection c, String sql, Map<String, Object> headers) throws SQLException {
        return EdwStatement.rows(c, sql, headers);
    }

    /** The offsets parameters of a batch that records no position. */
    public static Map<String, Object> noOffsets() {
        return Map.of("group", "test", "offTopics", new String[0], "offPartitions", new Integer[0], "offNext", new Long[0]);
    }
}
