package io.tidewater.model;

import java.sql.Timestamp;
import java.util.List;
import java.util.Map;

import io.tidewater.testing.Warehouse;

/**
 * The tables of a scenario's flows read back in the model's words ({@link FlowModel}'s), to be compared with it; suffix:
 * what the flows' table names end with.
 */
final class ModelTables {

    private final Warehouse warehouse;
    private final Scenario.Decl decl;
    private final String suffix;

    ModelTables(Warehouse warehouse, Scenario.Decl decl, String suffix) {
        this.warehouse = warehouse;
        this.decl = decl;
        this.suffix = suffix;
    }

    /** A table's name in this set of flows. */
    String t(String table) {
        return table + suffix;
    }

    public List<String> orderFacts() {
        boolean soft = decl.changes().factDeletes().equals("soft");
        return warehouse.rows("SELECT * FROM " + t("fact_order_model") + " ORDER BY order_id").stream().map(r -> "order " + r.get("order_id")
                + " status=" + r.get("status") + " note=" + r.get("note") + " lsn=" + r.get("source_lsn") + (soft ? " deleted=" + r.get("deleted") : ""))
                .toList();
    }

    public List<String> mirrorRows() {
        boolean soft = decl.changes().mirrorDeletes().equals("soft");
        boolean guarded = decl.changes().mirrorGuarded();
        return warehouse.rows("SELECT * FROM " + t("mirror_order_model") + " ORDER BY id").stream().map(r -> "order " + r.get("id")
                + " status=" + r.get("status") + " note=" + r.get("note") + (guarded ? " lsn=" + r.get("source_lsn") : "")
                + (soft ? " deleted=" + r.get("deleted") : "")).toList();
    }

    /** The fact versioned by a declared column, in the model's words (a timestamptz version as minutes from the first AT). */
    public List<String> readingRows() {
        return warehouse.rows("SELECT * FROM " + t("fact_reading_model") + " ORDER BY reading_id").stream().map(r -> "reading " + r.get("reading_id")
                + " ver=" + (r.get("ver") instanceof Timestamp t ? (t.toInstant().getEpochSecond() - Scenario.AT.get(0).getEpochSecond()) / 60 : r.get("ver"))
                + " value=" + r.get("value")).toList();
    }

    /** The dimension's rows in the model's words: each key's versions in the order they were made. */
    public List<String> dimension() {
        return warehouse.rows("SELECT * FROM " + t("dim_member") + " ORDER BY member_id, member_key").stream().map(r -> {
            return "member " + r.get("member_id") + " #" + ordinal(r) + " name=" + r.get("name") + " region=" + r.get("region")
                    + " tier=" + r.get("tier") + " current=" + r.get("is_current") + " inferred=" + r.get("is_inferred")
                    + " lsn=" + r.get("source_lsn");
        }).toList();
    }

    private int ordinal(Map<String, Object> r) {
        return (int) warehouse.count("SELECT count(*) FROM " + t("dim_member") + " WHERE member_id = " + r.get("member_id") + " AND member_key < "
                + r.get("member_key"));
    }

    public List<String> facts() {
        return warehouse.rows("SELECT f.*, d.member_id AS ref_id, (SELECT count(*) FROM " + t("dim_member") + " o WHERE o.member_id = d.member_id "
                + "AND o.member_key < d.member_key) AS ref_ordinal FROM " + t("fact_model") + " f LEFT JOIN " + t("dim_member") + " d ON d.member_key = f.member_key "
                + "ORDER BY f.event_id").stream().map(r -> "fact " + r.get("event_id") + " placeholder=" + r.get("is_placeholder")
                + " cust=" + r.get("cust") + " at=" + (r.get("at") == null ? null : ((Timestamp) r.get("at")).toInstant()) + " amount="
                + r.get("amount") + " cat=" + r.get("cat") + " member=" + (r.get("ref_id") == null ? null : r.get("ref_id") + "#" + r.get("ref_ordinal"))
                + " note=" + r.get("note") + " score=" + r.get("score") + " ver=" + (decl.patchVersioned() ? r.get("ver") : null)).toList();
    }

    public List<String> rollup(FlowModel model) {
        return warehouse.rows("SELECT * FROM " + t("agg_model") + "").stream().map(r -> model.group(
                        r.get("day") == null ? null : ((Timestamp) r.get("day")).toInstant(), (String) r.get("cat"), (String) r.get("region"))
                        + " n=" + r.get("n") + " total=" + r.get("total")).sorted().toList();
    }
}
