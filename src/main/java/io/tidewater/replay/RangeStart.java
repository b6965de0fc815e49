package io.tidewater.replay;

import java.util.Map;

/** Where a side replay's consumer starts in each partition (camel-kafka seeks to the stored value plus one). */
final class RangeStart extends org.apache.camel.support.service.ServiceSupport
        implements org.apache.camel.spi.StateRepository<String, String> {
    private final String topic;
    private final Map<Integer, Long> starts;
    private final Map<Integer, Long> ends;
    private final Map<String, String> stored = new java.util.concurrent.ConcurrentHashMap<>();

    RangeStart(String topic, Map<Integer, Long> starts, Map<Integer, Long> ends) {
        this.topic = topic;
        this.starts = starts;
        this.ends = ends;
    }

    @Override
    public String getState(String key) {
        String position = stored.get(key);
        if (position != null) {
            return position;
        }
        int partition = Integer.parseInt(key.substring(key.lastIndexOf('/') + 1));
        long start = starts.getOrDefault(partition, ends.getOrDefault(partition, 0L));
        return String.valueOf(start - 1);
    }

    @Override
    public void setState(String key, String value) {
        // The consumer's position during the run (kept in memory: a side replay does not outlive the process).
        stored.put(key, value);
    }

    @Override
    public String toString() {
        return "RangeStart[" + topic + " " + starts + "]";
    }
}
