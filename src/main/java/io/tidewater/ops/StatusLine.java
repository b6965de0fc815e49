package io.tidewater.ops;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The line a person watching the terminal reads every few seconds: events in/s, rows written/s, rows in the EDW. */
public class StatusLine {

    private static final Logger LOG = LoggerFactory.getLogger("tidewater.status");

    private final PipelineStats stats;
    private final DataSource edw;
    /** The tables the flows load (names validated by the flow reader, and quoted here). */
    private final java.util.function.Supplier<java.util.Collection<String>> tables;
    private long lastIn;
    private long lastWritten;
    private long lastNanos = System.nanoTime();

    public StatusLine(PipelineStats stats, DataSource edw, java.util.function.Supplier<java.util.Collection<String>> tables) {
        this.stats = stats;
        this.edw = edw;
        this.tables = tables;
    }

    public synchronized String report() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
        long in = stats.eventsIn();
        long written = stats.rowsWritten();
        String line = String.format(Locale.ROOT, "events in %.1f/s | rows written %.1f/s | EDW rows %s | dead letters %d",
                (in - lastIn) / seconds, (written - lastWritten) / seconds, edwRows(), stats.deadLettered());
        lastIn = in;
        lastWritten = written;
        lastNanos = now;
        LOG.info(line);
        return line;
    }

    /**
     * The rows of the flows' tables as PostgreSQL's statistics count them (n_live_tup, kept up to date as transactions
     * commit): no scan, so the line costs the same however large the warehouse grows. A table not created yet counts 0.
     */
    private String edwRows() {
        try (Connection c = edw.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(n_live_tup), 0) "
                + "FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", tables.get().stream().distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return String.valueOf(rs.getLong(1));
            }
        } catch (SQLException e) {
            return "unavailable (" + e.getMessage() + ")";
        }
    }
}
