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
        EventJson json = EventJson.parse(raw, maxBytes);
        if (json.has("schema") && json.has("payload")) {
            // Written by a producer using Kafka Connect's JSON converter with schemas: the event is the payload.
            json = json.object("payload");
        }
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
