package io.tidewater.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The capture blocks of the configuration: each {@code tidewater.capture.<db>.*} group of keys is one database to
 * capture, whatever its name; only its tables and password must be given.
 */
public final class CaptureBlocks {

    /** The keys a block must state: the tables it captures, and the password (Debezium needs one). */
    public static final List<String> REQUIRED = List.of("tables", "password");
    private static final Pattern BLOCK_KEY = Pattern.compile("tidewater\\.capture\\.([^.]+)\\.([^.]+)");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private CaptureBlocks() {
    }

    /** The databases the configuration captures: the names of its tidewater.capture.&lt;db&gt;.* blocks, in order. */
    public static List<String> databases(Collection<String> keys) {
        TreeSet<String> out = new TreeSet<>();
        for (String k : keys) {
            Matcher m = BLOCK_KEY.matcher(k);
            if (m.matches()) {
                out.add(m.group(1));
            }
        }
        return List.copyOf(out);
    }

    /**
     * The value of each key a block leaves out: host localhost, port 5432 (the embedded PostgreSQL's in embedded mode),
     * database and publication named after the block (dbname &lt;db&gt;, slot tidewater_&lt;db&gt;), user postgres, topics
     * cdc.&lt;db&gt;.&lt;schema&gt;.&lt;table&gt;.
     */
    public static Map<String, String> defaults(TidewaterConfig config, boolean embedded) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String db : databases(config.keys())) {
            Map<String, String> block = new LinkedHashMap<>();
            block.put("hostname", "localhost");
            block.put("port", embedded ? "{{tidewater.embedded.postgres.port}}" : "5432");
            block.put("dbname", db);
            block.put("user", "postgres");
            block.put("slot", "tidewater_" + db);
            block.put("topic-prefix", "cdc." + db);
            block.forEach((k, v) -> {
                if (config.get("tidewater.capture." + db + "." + k) == null) {
                    out.put("tidewater.capture." + db + "." + k, v);
                }
            });
        }
        return out;
    }

    /** What is wrong with the configuration's capture blocks, each naming its key; empty when nothing is. */
    public static List<ConfigException> problems(TidewaterConfig config) {
        List<ConfigException> out = new ArrayList<>();
        for (String db : databases(config.keys())) {
            String prefix = "tidewater.capture." + db + ".";
            if (!NAME.matcher(db).matches()) {
                out.add(new ConfigException(prefix + "*", "names a capture block '" + db + "', which is not a name of "
                        + "lower-case letters, digits and '_'", "rename the block, e.g. tidewater.capture.erp.*"));
                continue;
            }
            String tables = config.get(prefix + "tables");
            if (tables == null || tables.isBlank()) {
                out.add(new ConfigException(prefix + "tables", "is missing: the capture block '" + db + "' needs the tables it "
                        + "captures", "set " + prefix + "tables=<schema>.<table>[,<schema>.<table>], or remove the block"));
            }
            String password = config.get(prefix + "password");
            if (password == null || password.isBlank()) {
                out.add(new ConfigException(prefix + "password", "is missing: the capture block '" + db + "' needs the password "
                        + "of its user", "set " + TidewaterConfig.envName(prefix + "password") + " in the environment"));
            }
        }
        return out;
    }
}
