package io.tidewater.flow;

/**
 * The names of the parameters the generated statements take (written {@code :?name} in them), in one place for the
 * statements and for the batches that bind them. A dimension batch binds its rounds apart: each name with the round's
 * suffix ({@link #round}).
 */
public final class Parameters {

    /** The consumer group the batch's position is recorded under, and the position: topics, partitions, next offsets. */
    public static final String GROUP = "group";
    public static final String TOPICS = "offTopics";
    public static final String PARTITIONS = "offPartitions";
    public static final String NEXT_OFFSETS = "offNext";
    /** The rows' source LSNs and whether each is a delete. */
    public static final String LSNS = "lsns";
    public static final String DELETES = "deletes";
    /** The columns of each row that carry Debezium's TOAST placeholder (",a,b,"). */
    public static final String TOASTS = "toasts";
    /** When each change of a dimension committed at its source. */
    public static final String CHANGED_ATS = "changedAts";
    /** The natural keys a dimension batch changes (locked in key order), and those it reads back for its cache. */
    public static final String LOCK_KEYS = "lockKeys";
    public static final String WRITE_THROUGH_KEYS = "writeThroughKeys";
    /** The natural keys a lookup missed in its cache. */
    public static final String MISSING = "missing";

    private Parameters() {
    }

    /** The bound column at this index (its position in {@link FlowSpec#bound()}). */
    public static String column(int index) {
        return "c" + index;
    }

    /** Each row's surrogate key for the lookup at this index. */
    public static String surrogateKeys(int lookup) {
        return "k" + lookup;
    }

    /** The inferred members the lookup at this index found (their surrogate keys), which a fact batch that rolls up locks. */
    public static String inferredKeys(int lookup) {
        return "i" + lookup;
    }

    /** A name as a dimension round binds it ("" for a batch of one round). */
    public static String round(String name, String round) {
        return name + round;
    }

    /** The suffix of a dimension's round. */
    public static String roundSuffix(int round) {
        return "_r" + round;
    }

    /** The parameter as a statement reads it, cast to its SQL array type. */
    public static String param(String name, String arrayCast) {
        return ":?" + name + "::" + arrayCast;
    }
}
