package io.tidewater.capture;

import java.sql.SQLException;
import java.time.Duration;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Route;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.Service;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backfills a table added to a capture's include list: just before a capture route's Debezium engine starts, the tables
 * the publication lacks are added to it, each with an incremental-snapshot signal (snapshotMode initial never snapshots
 * again, so without it the rows a new table already had would never be sent).
 */
public class AddedTableBackfill extends LifecycleStrategySupport {

    private static final Logger LOG = LoggerFactory.getLogger(AddedTableBackfill.class);
    /** How long a slot still read by the previous engine (stopping) may keep the start waiting. */
    static final Duration SLOT_WAIT = Duration.ofSeconds(60);

    @Override
    public void onServiceAdd(CamelContext context, Service service, Route route) {
        // Called for a route's consumer right before it starts, on every start of the route.
        if (!(service instanceof Consumer consumer)) {
            return;
        }
        CapturePublication publication = CapturePublication.of(consumer.getEndpoint());
        if (publication == null) {
            return;
        }
        try {
            publication.addMissing(SLOT_WAIT).forEach((table, signal) -> LOG.info(
                    "Capture {}: {} was added; its existing rows are read by an incremental snapshot (signal {})",
                    publication.database(), table, signal));
        } catch (SQLException | RuntimeException e) {
            // Starting the engine anyway would let it add the tables itself, and their existing rows would never come.
            throw new RuntimeCamelException("Capture " + publication.database() + " does not start: cannot add the tables of "
                    + "its include list to publication " + publication.name() + ": " + e.getMessage(), e);
        }
    }
}
