package io.tidewater.events;

import java.util.ArrayList;
import java.util.List;

import io.tidewater.ops.PipelineStats;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Turns a polled batch of call events into column arrays for one multi-row insert (bound as named parameters),
 * and sets aside the records that fail validation as dead letters.
 */
public class CallBatch {

    public static final String DEAD_LETTERS = "tidewaterDeadLetters";

    private final CallEventParser parser;
    private final PipelineStats stats;

    public CallBatch(CallEventParser parser, PipelineStats stats) {
        this.parser = parser;
        this.stats = stats;
    }

    public void prepare(@Body List<Exchange> records, Exchange batch) {
        int n = records.size();
        List<String> eventIds = new ArrayList<>(n);
        List<Long> customerIds = new ArrayList<>(n);
        List<String> agentIds = new ArrayList<>(n);
        List<String> startedAts = new ArrayList<>(n);
        List<Integer> durations = new ArrayList<>(n);
        List<String> outcomes = new ArrayList<>(n);
        List<Message> deadLetters = new ArrayList<>();
        for (Exchange record : records) {
            try {
                CallEvent e = parser.parse(record.getMessage().getBody(String.class));
                eventIds.add(e.eventId().toString());
                customerIds.add(e.customerId());
                agentIds.add(e.agentId());
                startedAts.add(e.startedAt().toString());
                durations.add(e.durationSec());
                outcomes.add(e.outcome());
            } catch (InvalidEventException ex) {
                deadLetters.add(DeadLetters.of(record, ex));
            }
        }
        stats.eventsIn(n);
        stats.deadLettered(deadLetters.size());
        Message out = batch.getMessage();
        out.setHeader("eventIds", eventIds.toArray(new String[0]));
        out.setHeader("customerIds", customerIds.toArray(new Long[0]));
        out.setHeader("agentIds", agentIds.toArray(new String[0]));
        out.setHeader("startedAts", startedAts.toArray(new String[0]));
        out.setHeader("durations", durations.toArray(new Integer[0]));
        out.setHeader("outcomes", outcomes.toArray(new String[0]));
        out.setHeader(DEAD_LETTERS, deadLetters);
    }
}
