package io.tidewater.warehouse;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.testing.FlowFiles;
import io.tidewater.testing.LoadRouteTestSupport;
import io.tidewater.testing.SharedInfrastructure;
import io.tidewater.testing.TestNames;
import io.tidewater.testing.Topics;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, "CDC beyond the demo", TOAST: under PostgreSQL's default replica identity an UPDATE that leaves a large
 * (TOASTed) column unchanged reaches Debezium without it, and arrives as Debezium's unavailable-value placeholder. Real
 * Debezium captures three tables with large text, jsonb, bytea and array values; after updates of their small columns,
 * a mirror, a type-2 dimension (a change in place and a new version) and a versioned fact still hold the large values
 * as they were inserted, and the placeholder is nowhere.
 */
class ToastRouteTest extends LoadRouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PLACEHOLDER = "__debezium_unavailable_value";

    // Set in settings(), which runs from the constructor: no field initializers.
    private String docs;
    private String profiles;
    private String notes;
    private Path routes;

    @Override
    protected boolean withCapture() {
        return true;
    }

    @Override
    protected boolean captureSchemas() {
        return true;
    }

    @Override
    protected Path routesDir() {
        return routes;
    }

    @Override
    protected Map<String, String> settings() {
        docs = TestNames.schema("docs");
        profiles = TestNames.schema("profiles");
        notes = TestNames.schema("notes");
        try {
            exec("CREATE TABLE " + docs + " (id bigint PRIMARY KEY, title text, body text, meta jsonb, blob bytea, tags text[])");
            exec("CREATE TABLE " + profiles + " (id bigint PRIMARY KEY, nick text, segment text, bio text, meta jsonb)");
            exec("CREATE TABLE " + notes + " (id bigint PRIMARY KEY, status text, body text)");
            String prefix = capturePrefix + ".sales.public.";
            Topics.ensure(prefix + docs, prefix + docs + ".dlq", prefix + profiles, prefix + profiles + ".dlq", prefix + notes, prefix + notes + ".dlq");
            routes = FlowFiles.shippedRoutes("toast-routes");
                        Files.writeString(routes.resolve("mirror-docs.camel.yaml"), FlowFiles.flow("mirror-docs", prefix + docs, """
                    format: debezium
                    kind: mirror
                    table: mirror_docs
                    key: id
                    """));
            Files.writeString(routes.resolve("cdc-profiles.camel.yaml"), FlowFiles.flow("cdc-profiles", prefix + profiles, """
                    format: debezium
                    kind: dimension
                    table: dim_profile
                    key: profile_id
                    surrogateKey: profile_key
                    scd: 2
                    tracked: segment
                    columns:
                      profile_id: {field: id, type: bigint}
                      nick: {field: nick, type: text, required: false}
                      segment: {field: segment, type: text}
                      bio: {field: bio, type: text, required: false}
                      meta: {field: meta, type: jsonb, required: false}
                    """));
            Files.writeString(routes.resolve("cdc-notes.camel.yaml"), FlowFiles.flow("cdc-notes", prefix + notes, """
                    format: debezium
                    kind: fact
                    table: fact_note
                    key: note_id
                    version: lsn
                    deletes: soft
                    columns:
                      note_id: {field: id, type: bigint}
                      status: {field: status, type: text}
                      body: {field: body, type: text, required: false}
                    """));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> s = new HashMap<>();
        s.put("tidewater.capture.sales.tables", "public.orders,public." + docs + ",public." + profiles + ",public." + notes);
        s.put("tidewater.load.max-event-bytes", "262144");
        return s;
    }

    /** Random hex: PostgreSQL's compression cannot shrink it below the TOAST threshold. */
    private static String large(Random random, int chars) {
        StringBuilder s = new StringBuilder(chars);
        while (s.length() < chars) {
            s.append(Long.toHexString(random.nextLong()));
        }
        return s.substring(0, chars);
    }

    @Test
    void unchangedToastedColumnsKeepTheirValuesInEveryKind() throws Exception {
        await("capture streaming").atMost(WAIT).until(this::slotActive);
        Random random = new Random(20);
        String body = large(random, 12_000);
        String metaText = "{\"blob\": \"" + large(random, 12_000) + "\"}";
        byte[] blob = new byte[8_000];
        random.nextBytes(blob);
        String tag = large(random, 9_000);
        exec("INSERT INTO " + docs + " VALUES (1, 'first', ?, ?::jsonb, ?, ARRAY[?::text])", body, metaText, blob, tag);
        String bio = large(random, 12_000);
        String profileMeta = "{\"blob\": \"" + large(random, 12_000) + "\"}";
        exec("INSERT INTO " + profiles + " VALUES (1, 'ada', 'smb', ?, ?::jsonb)", bio, profileMeta);
        String note = large(random, 12_000);
        exec("INSERT INTO " + notes + " VALUES (1, 'open', ?)", note);

        String prefix = capturePrefix + ".sales.public.";
        await("inserted").atMost(WAIT).untilAsserted(() -> assertEquals(List.of(1L, 1L, 1L), List.of(count("mirror_docs", "id = 1"),
                count("dim_profile", "profile_id = 1"), count("fact_note", "note_id = 1")), "records: " + Topics.size(prefix + docs) + " "
                + Topics.size(prefix + profiles) + " " + Topics.size(prefix + notes) + ", dead letters: " + Topics.size(prefix + docs + ".dlq")
                + " " + Topics.size(prefix + profiles + ".dlq") + " " + Topics.size(prefix + notes + ".dlq") + " " + reasons(prefix)));
        Map<String, Object> mirrored = warehouse.rows("SELECT blob, tags::text AS tags FROM mirror_docs WHERE id = 1").get(0);

        // Changes of the small columns only: the large ones are not in the WAL, so Debezium sends its placeholder.
        exec("UPDATE " + docs + " SET title = 'second' WHERE id = 1");
        exec("UPDATE " + profiles + " SET nick = 'ada l.' WHERE id = 1");
        exec("UPDATE " + profiles + " SET segment = 'enterprise' WHERE id = 1");
        exec("UPDATE " + notes + " SET status = 'closed' WHERE id = 1");

        await("updated").atMost(WAIT).untilAsserted(() -> assertEquals(List.of(1L, 1L, 1L), List.of(count("mirror_docs", "title = 'second'"),
                count("dim_profile", "segment = 'enterprise' AND is_current"), count("fact_note", "status = 'closed'")), reasons(prefix)));

        Map<String, Object> doc = warehouse.rows("SELECT body, meta::text AS meta, blob, tags::text AS tags FROM mirror_docs WHERE id = 1").get(0);
        assertEquals(body, doc.get("body"), "mirror, text");
        assertEquals(JSON.readTree(metaText), JSON.readTree((String) doc.get("meta")), "mirror, jsonb");
        assertEquals(mirrored.get("blob"), doc.get("blob"), "mirror, bytea");
        assertEquals(mirrored.get("tags"), doc.get("tags"), "mirror, array");

        List<Map<String, Object>> versions = warehouse.rows(
                "SELECT nick, segment, bio, meta::text AS meta, is_current FROM dim_profile WHERE profile_id = 1 ORDER BY profile_key");
        assertEquals(2, versions.size());
        for (Map<String, Object> v : versions) {
            assertEquals("ada l.", v.get("nick"));
            assertEquals(bio, v.get("bio"), "dimension, text, version " + v);
            JsonNode meta = JSON.readTree((String) v.get("meta"));
            assertEquals(JSON.readTree(profileMeta), meta, "dimension, jsonb");
        }
        assertEquals("smb", versions.get(0).get("segment"));
        assertEquals("enterprise", versions.get(1).get("segment"));

        assertEquals(note, warehouse.rows("SELECT body FROM fact_note WHERE note_id = 1").get(0).get("body"), "versioned fact, text");

        for (String t : List.of("mirror_docs", "dim_profile", "fact_note")) {
            assertFalse(warehouse.rows("SELECT t::text AS row FROM " + t + " t").stream()
                    .anyMatch(r -> ((String) r.get("row")).contains(PLACEHOLDER)), "no placeholder in " + t);
        }
    }

    /** Why records of these tables were dead-lettered, if any were. */
    private String reasons(String prefix) {
        StringBuilder out = new StringBuilder();
        for (String t : List.of(docs, profiles, notes)) {
            Topics.readAll(prefix + t + ".dlq", 1, Duration.ofMillis(500)).forEach(r -> out.append(t).append(": ")
                    .append(new String(r.headers().lastHeader("tidewater.error.message").value())).append("; "));
        }
        return out.toString();
    }

    private long count(String table, String where) {
        try {
            return warehouse.count("SELECT count(*) FROM " + table + " WHERE " + where);
        } catch (RuntimeException e) {
            return -1;   // the table is made with the first change
        }
    }

    private boolean slotActive() throws Exception {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("sales"), "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot + "_sales");
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void exec(String sql, Object... params) throws Exception {
        try (Connection c = DriverManager.getConnection(SharedInfrastructure.get().jdbcUrl("sales"), "postgres", "");
             PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }
}
