package io.tidewater.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.jdbc.JdbcConstants;

/**
 * The routes' warehouse call (bean {@code edwStatement}): the message body is a statement, each {@code :?name} in it
 * bound from the map in the {@value JdbcConstants#JDBC_PARAMETERS} header (else from the headers), as camel-jdbc's
 * {@code useHeadersAsParameters} binds them. It runs in one transaction and one round trip; the rows of its first result become the body (a list of
 * rows, each column by its label), and an update count the {@value JdbcConstants#JDBC_UPDATE_COUNT} header. The warehouse
 * refusing the input for good is raised as {@link RefusedInput}.
 *
 * <p>Why not {@code jdbc:edw}: camel-jdbc's producer asks for the statement's parameter metadata before every execution
 * (to check the count), and nothing configures that away. The PostgreSQL driver answers it with a describe round trip
 * and then does not keep the statement prepared on the server, so every batch was parsed and planned twice. Here the
 * parameters are counted once per statement text, and the driver prepares a statement it has seen five times on the
 * server and reuses it.
 */
public final class EdwStatement {

    private static final Pattern PARAMETER = Pattern.compile(":\\?([A-Za-z0-9_]+)");
    /** The statement texts seen, most recent last; a flow declared anew makes new ones. */
    private static final int PARSED = 512;

    private final DataSource edw;
    private final Map<String, Named> parsed = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Named> eldest) {
            return size() > PARSED;
        }
    });

    public EdwStatement(DataSource edw) {
        this.edw = edw;
    }

    /** A statement with its named parameters replaced by JDBC's, and their names in order. */
    record Named(String jdbc, List<String> names) {

        static Named of(String sql) {
            Matcher m = PARAMETER.matcher(sql);
            StringBuilder jdbc = new StringBuilder(sql.length());
            List<String> names = new ArrayList<>();
            while (m.find()) {
                names.add(m.group(1));
                m.appendReplacement(jdbc, "?");
            }
            m.appendTail(jdbc);
            return new Named(jdbc.toString(), List.copyOf(names));
        }
    }

    /** Runs the message's statement; its first result's rows become the body. */
    public void execute(Exchange exchange) throws SQLException {
        Message in = exchange.getMessage();
        String sql = in.getBody(String.class);
        Map<?, ?> given = in.getHeader(JdbcConstants.JDBC_PARAMETERS, Map.class);
        Map<?, ?> values = given != null ? given : in.getHeaders();
        Named named = parsed.computeIfAbsent(sql, Named::of);
        try (Connection c = edw.getConnection()) {
            c.setAutoCommit(false);
            try {
                Object result = run(c, named, values);
                c.commit();
                if (result instanceof Integer count) {
                    in.setHeader(JdbcConstants.JDBC_UPDATE_COUNT, count);
                } else {
                    in.setBody(result);
                }
            } catch (SQLException e) {
                rollback(c, e);
                throw RefusedInput.refuses(RefusedInput.state(e)) ? new RefusedInput(e) : e;
            } catch (RuntimeException e) {
                rollback(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * Runs a statement on a connection as the routes' call does (in the connection's transaction): the rows of its first
     * result, or none.
     */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> rows(Connection c, String sql, Map<?, ?> values) throws SQLException {
        Object result = run(c, Named.of(sql), values);
        return result instanceof List<?> rows ? (List<Map<String, Object>>) rows : List.of();
    }

    private static Object run(Connection c, Named named, Map<?, ?> values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(named.jdbc())) {
            for (int i = 0; i < named.names().size(); i++) {
                String name = named.names().get(i);
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException("no value for the statement's parameter :?" + name);
                }
                ps.setObject(i + 1, values.get(name));
            }
            if (!ps.execute()) {
                return ps.getUpdateCount();
            }
            try (ResultSet rs = ps.getResultSet()) {
                return rows(rs);
            }
        }
    }

    /** Every row of a result, each column by its label. */
    static List<Map<String, Object>> rows(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int columns = meta.getColumnCount();
        String[] labels = new String[columns];
        for (int k = 0; k < columns; k++) {
            labels[k] = meta.getColumnLabel(k + 1);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        while (rs.next()) {
            Map<String, Object> row = new LinkedHashMap<>(columns * 2);
            for (int k = 0; k < columns; k++) {
                row.put(labels[k], rs.getObject(k + 1));
            }
            rows.add(row);
        }
        return rows;
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
