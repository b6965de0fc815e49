package io.tidewater.events;

import java.util.List;

import io.tidewater.ops.PipelineStats;
import org.apache.camel.Message;

/** A batch of call.completed events as columns of fact_call; customerIds feed the customer enricher. */
public class CallBatch extends LoadBatch<CallEvent> {

    private final CallEventParser parser;

    public CallBatch(CallEventParser parser, String group, PipelineStats stats) {
        super(group, stats);
        this.parser = parser;
    }

    @Override
    protected CallEvent parse(String key, String value) {
        return parser.parse(value);
    }

    @Override
    protected int toColumns(List<CallEvent> rows, Message out) {
        int n = rows.size();
        String[] eventIds = new String[n];
        Long[] customerIds = new Long[n];
        String[] agentIds = new String[n];
        String[] startedAts = new String[n];
        Integer[] durations = new Integer[n];
        String[] outcomes = new String[n];
        for (int i = 0; i < n; i++) {
            CallEvent e = rows.get(i);
            eventIds[i] = e.eventId().toString();
            customerIds[i] = e.customerId();
            agentIds[i] = e.agentId();
            startedAts[i] = e.startedAt().toString();
            durations[i] = e.durationSec();
            outcomes[i] = e.outcome();
        }
        out.setHeader("eventIds", eventIds);
        out.setHeader("customerIds", customerIds);
        out.setHeader("agentIds", agentIds);
        out.setHeader("startedAts", startedAts);
        out.setHeader("durations", durations);
        out.setHeader("outcomes", outcomes);
        return n;
    }
}
