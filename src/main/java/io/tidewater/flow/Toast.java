package io.tidewater.flow;

import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debezium's placeholder for a value an UPDATE left unchanged and PostgreSQL did not log (a TOASTed column under the
 * default replica identity): never written. A column that carries it keeps the value the warehouse holds, as PeerDB and
 * Artie do; the statements read that value for the rows whose parameter {@code toasts} names the column.
 */
public final class Toast {

    private static final Logger LOG = LoggerFactory.getLogger(Toast.class);
    /** Debezium's default unavailable.value.placeholder. */
    public static final String PLACEHOLDER = "__debezium_unavailable_value";
    /** The placeholder as a bytea column carries it, in each of Debezium's binary handling modes. */
    private static final Set<String> ENCODED = java.util.stream.Stream.of(PLACEHOLDER,
            Base64.getEncoder().encodeToString(PLACEHOLDER.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            Base64.getUrlEncoder().encodeToString(PLACEHOLDER.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            HexFormat.of().formatHex(PLACEHOLDER.getBytes(java.nio.charset.StandardCharsets.UTF_8))).collect(java.util.stream.Collectors.toUnmodifiableSet());
    /** A bound value that is not there: the column keeps the warehouse's value. */
    public static final Object UNAVAILABLE = new Object() {
        @Override
        public String toString() {
            return "(unavailable)";
        }
    };
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private Toast() {
    }

    /** Whether a field's value is the placeholder: text, bytes in any encoding, or an array holding it. */
    public static boolean unavailable(JsonNode v) {
        if (v == null) {
            return false;
        }
        if (v.isTextual()) {
            String s = v.asText();
            return s.length() >= PLACEHOLDER.length() && s.length() <= 64 && ENCODED.contains(s);
        }
        if (v.isArray() && !v.isEmpty()) {
            for (JsonNode e : v) {
                if (!unavailable(e)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * The parameter {@code toasts} of a batch's rows: per row, ",col,col," naming its columns that carry the placeholder
     * (bound as NULL), or null; a delete's values are the row's, named so too. Warns once per flow and column.
     */
    public static String[] toasts(FlowSpec flow, List<String> columns, List<Object[]> rows, List<Boolean> deletes) {
        String[] out = new String[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            Object[] values = rows.get(r);
            StringBuilder names = null;
            for (int c = 0; c < values.length; c++) {
                if (values[c] == UNAVAILABLE) {
                    names = names == null ? new StringBuilder(",") : names;
                    names.append(columns.get(c)).append(',');
                    if (!deletes.get(r)) {
                        warn(flow, columns.get(c));
                    }
                }
            }
            out[r] = names == null ? null : names.toString();
        }
        return out;
    }

    /** A bound value as the statement takes it: the placeholder as NULL (its column named in toasts). */
    public static Object bound(Object value) {
        return value == UNAVAILABLE ? null : value;
    }

    /** The newer value of a column unless it is the placeholder: then the older one (of the same batch). */
    public static Object carried(Object newer, Object older) {
        return newer == UNAVAILABLE ? older : newer;
    }

    private static void warn(FlowSpec flow, String column) {
        if (WARNED.add(flow.name() + "/" + column)) {
            LOG.warn("Flow {}: column {} arrived as Debezium's unavailable-value placeholder (a TOASTed value the change left as it "
                    + "was): {} keeps the value it has, and a row it does not have yet gets NULL there. To have the value in "
                    + "every change, set REPLICA IDENTITY FULL on the source table of {}", flow.name(), column, flow.table(), column);
        }
    }
}
