package io.tidewater.events;

import java.util.Set;

/** Parses and validates call.completed events; anything else is rejected with a reason. */
public class CallEventParser {

    static final Set<String> TYPES = Set.of("call.completed");
    static final Set<String> OUTCOMES = Set.of("resolved", "escalated", "dropped");

    private final int maxBytes;

    public CallEventParser(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    public CallEvent parse(String raw) {
        EventJson json = EventJson.parse(raw, maxBytes).connectPayload();
        json.oneOf("type", TYPES);
        return new CallEvent(
                json.uuid("eventId"),
                json.longValue("customerId"),
                json.text("agentId"),
                json.instant("startedAt"),
                json.intValue("durationSec", 0, 86_400),
                json.oneOf("outcome", OUTCOMES));
    }
}
