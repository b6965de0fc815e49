package io.tidewater.events;

import java.time.Instant;
import java.util.UUID;

/** A call.completed event published by the call-center service to events.callcenter.calls. */
public record CallEvent(UUID eventId, long customerId, String agentId, Instant startedAt, int durationSec, String outcome) {
}
