package io.tidewater.ops;

import java.util.concurrent.atomic.LongAdder;

import org.apache.camel.Header;

/** Running totals of what the load routes took in and wrote, read by the status line. */
public class PipelineStats {

    private final LongAdder eventsIn = new LongAdder();
    private final LongAdder rowsWritten = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();

    public void eventsIn(int n) {
        eventsIn.add(n);
    }

    public void deadLettered(int n) {
        deadLettered.add(n);
    }

    /** Called after a batch is committed, with the rows it carried. */
    public void written(@Header("tidewaterRows") Integer rows) {
        if (rows != null) {
            rowsWritten.add(rows);
        }
    }

    public long eventsIn() {
        return eventsIn.sum();
    }

    public long rowsWritten() {
        return rowsWritten.sum();
    }

    public long deadLettered() {
        return deadLettered.sum();
    }
}
