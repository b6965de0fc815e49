package io.tidewater.testing;

import java.util.concurrent.atomic.AtomicInteger;

/** Unique topic, group and schema names, so that tests never see each other's data. */
public final class TestNames {

    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000, 36);

    private TestNames() {
    }

    public static String topic(String base) {
        return "t" + RUN + "-" + SEQ.incrementAndGet() + "." + base;
    }

    public static String group(String base) {
        return "g" + RUN + "-" + SEQ.incrementAndGet() + "-" + base;
    }

    /** A PostgreSQL schema name: lower case letters, digits and underscores only. */
    public static String schema(String base) {
        return "s" + RUN + "_" + SEQ.incrementAndGet() + "_" + base.replaceAll("[^a-z0-9]", "_");
    }
}
