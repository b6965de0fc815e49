package io.tidewater.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs a generated statement as camel-jdbc does (useHeadersAsParameters): each :?name bound from the headers in order. */
public final class NamedSql {

    private static final Pattern PARAM = Pattern.compile(":\\?([A-Za-z0-9_]+)");

    private NamedSql() {
    }

    /** Executes; returns the rows of the first result (camel-jdbc's answer), or none. */
    public static List<Map<String, Object>> execute(Connection c, String sql, Map<String, Object> headers) throws SQLException {
        List<Object> values = new ArrayList<>();
        Matcher m = PARAM.matcher(sql);
        StringBuilder jdbc = new StringBuilder();
        while (m.find()) {
            if (!headers.containsKey(m.group(1))) {
                throw new IllegalArgumentException("no value for :?" + m.group(1));
            }
            values.add(headers.get(m.group(1)));
            m.appendReplacement(jdbc, "?");
        }
        m.appendTail(jdbc);
        try (PreparedStatement ps = c.prepareStatement(jdbc.toString())) {
            for (int i = 0; i < values.size(); i++) {
                ps.setObject(i + 1, values.get(i));
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            if (ps.execute()) {
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        for (int k = 1; k <= rs.getMetaData().getColumnCount(); k++) {
                            row.put(rs.getMetaData().getColumnLabel(k), rs.getObject(k));
                        }
                        rows.add(row);
                    }
                }
            }
            return rows;
        }
    }

    /** The offsets parameters of a batch that records no position. */
    public static Map<String, Object> noOffsets() {
        return Map.of("group", "test", "offTopics", new String[0], "offPartitions", new Integer[0], "offNext", new Long[0]);
    }
}
