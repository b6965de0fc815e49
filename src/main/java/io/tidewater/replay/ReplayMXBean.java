package io.tidewater.replay;

import java.util.List;

/** Replays in JMX, at {@code tidewater:type=replay}: start one, and follow its progress. */
public interface ReplayMXBean {

    /**
     * Starts a replay and returns what it will reprocess.
     *
     * @param topics     one or more load topics, comma-separated
     * @param partitions partitions, comma-separated; empty for all
     * @param from       an offset, a time (ISO-8601, e.g. 2026-11-24T10:00:00Z) or "beginning"
     * @param to         an offset or a time, exclusive; empty for the end of the topic now
     * @param mode       "live" (default): the load route rereads from the start; "side": a separate consumer reads
     *                   exactly the range and stops
     */
    String replay(String topics, String partitions, String from, String to, String mode);

    /**
     * Re-drives dead letters: reads a range of each topic's dead-letter topic ({@code <topic>.dlq}) and applies it
     * through that topic's flow, as a side replay; records that fail again go back to the dead-letter topic with
     * {@code tidewater.redrive.count} one higher. Facts and dimensions are idempotent, so re-driving twice adds nothing.
     *
     * @param topics     one or more load topics (not their .dlq names), comma-separated
     * @param partitions partitions of the dead-letter topic, comma-separated; empty for all
     * @param from       an offset or a time in the dead-letter topic, or "beginning"; empty for the beginning
     * @param to         an offset or a time, exclusive; empty for the end of the dead-letter topic now
     */
    String redrive(String topics, String partitions, String from, String to);

    /** One line per replay since the start: id, mode, topic, state, records done and remaining. */
    List<String> getReplays();

    int getActive();

    long getRecordsDone();

    long getRecordsRemaining();

    /** Consumer lag (records not yet in the EDW) of the topics that running replays are working on. */
    java.util.Map<String, Long> getLag();
}
