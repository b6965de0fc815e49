package io.tidewater.load;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

/**
 * Builds the dead-letter copy of a rejected record: original key, value and headers, plus tidewater.error.* context.
 * A re-driven dead letter that fails again keeps where it first came from (its source topic, partition and offset),
 * so it goes back to the same dead-letter topic, with tidewater.redrive.count one higher.
 */
public final class DeadLetters {

    public static final String ERROR_CLASS = "tidewater.error.class";
    public static final String ERROR_MESSAGE = "tidewater.error.message";
    public static final String ERROR_TOPIC = "tidewater.error.topic";
    public static final String ERROR_PARTITION = "tidewater.error.partition";
    public static final String ERROR_OFFSET = "tidewater.error.offset";
    public static final String ERROR_TIME = "tidewater.error.time";
    /** For a record the warehouse refused: the SQLSTATE of its answer (e.g. 22021, 22008, 23514). */
    public static final String ERROR_SQLSTATE = "tidewater.error.sqlstate";
    /** Set on a dead letter too large to copy whole: the original's size in bytes; the value is its first bytes only. */
    public static final String ERROR_SIZE = "tidewater.error.size";
    /**
     * The largest value copied whole into a dead letter: under Kafka's default message limit (1 MiB) with room for the
     * headers, so that a dead letter always fits its topic.
     */
    public static final int MAX_COPY = 512 * 1024;
    /** How much of a larger value a dead letter keeps. */
    public static final int PREFIX = 16 * 1024;
    /** How many times a dead letter was re-driven and failed again (absent on a first failure). */
    public static final String REDRIVE_COUNT = "tidewater.redrive.count";

    private DeadLetters() {
    }

    public static Message of(Exchange record, Throwable error) {
        Message in = record.getMessage();
        DefaultMessage dlq = new DefaultMessage(record.getContext());
        for (Map.Entry<String, Object> h : in.getHeaders().entrySet()) {
            // Kafka's own metadata is re-stated below; everything else is a header of the original record.
            if (!h.getKey().startsWith("kafka.") && !h.getKey().startsWith("Camel")) {
                dlq.setHeader(h.getKey(), h.getValue());
            }
        }
        Object key = in.getHeader(KafkaConstants.KEY);
        if (key != null) {
            dlq.setHeader(KafkaConstants.KEY, key);
        }
        SQLException sql = WarehouseErrors.driverException(error);
        Throwable reported = sql != null ? sql : error;
        dlq.setHeader(ERROR_CLASS, reported.getClass().getName());
        dlq.setHeader(ERROR_MESSAGE, String.valueOf(reported.getMessage()));
        dlq.removeHeader(ERROR_SQLSTATE);
        String state = sql == null ? null : WarehouseErrors.sqlState(sql);
        if (state != null) {
            dlq.setHeader(ERROR_SQLSTATE, state);
        }
        String source = in.getHeader(ERROR_TOPIC, String.class);
        if (source != null) {
            String count = in.getHeader(REDRIVE_COUNT, String.class);
            dlq.setHeader(ERROR_TOPIC, source);
            dlq.setHeader(ERROR_PARTITION, in.getHeader(ERROR_PARTITION, String.class));
            dlq.setHeader(ERROR_OFFSET, in.getHeader(ERROR_OFFSET, String.class));
            dlq.setHeader(REDRIVE_COUNT, String.valueOf(count == null ? 1 : Integer.parseInt(count.strip()) + 1));
        } else {
            dlq.setHeader(ERROR_TOPIC, String.valueOf(in.getHeader(KafkaConstants.TOPIC)));
            dlq.setHeader(ERROR_PARTITION, String.valueOf(in.getHeader(KafkaConstants.PARTITION)));
            dlq.setHeader(ERROR_OFFSET, String.valueOf(in.getHeader(KafkaConstants.OFFSET)));
        }
        dlq.setHeader(ERROR_TIME, Instant.now().toString());
        Object body = in.getBody();
        byte[] bytes = body instanceof byte[] b ? b : body instanceof String s && (long) s.length() * 3 > MAX_COPY
                ? s.getBytes(StandardCharsets.UTF_8) : null;
        String size = in.getHeader(ERROR_SIZE, String.class);
        if (bytes != null && bytes.length > MAX_COPY) {
            // Too large to copy: its coordinates (above), its size and its first bytes; a re-drive reads the original.
            dlq.setHeader(ERROR_SIZE, String.valueOf(bytes.length));
            dlq.setBody(Arrays.copyOf(bytes, PREFIX));
        } else {
            if (size != null) {
                dlq.setHeader(ERROR_SIZE, size);
            }
            dlq.setBody(body);
        }
        return dlq;
    }
}
