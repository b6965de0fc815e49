package io.tidewater.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The text form of replay requests (JMX, HTTP and CLI share it). */
class ReplayRequestTest {

    @Test
    void readsTopicsPartitionsOffsetsTimesAndMode() {
        ReplayRequest r = ReplayRequest.parse(" a.calls , b.orders ", "0, 2", "2026-11-24T10:00:00Z", "1500", "side");
        assertEquals(List.of("a.calls", "b.orders"), r.topics());
        assertEquals(Set.of(0, 2), r.partitions());
        assertEquals(Instant.parse("2026-11-24T10:00:00Z"), r.from().time());
        assertEquals(1500L, r.to().offset());
        assertTrue(r.side());

        ReplayRequest live = ReplayRequest.parse("a.calls", "", "beginning", "", "");
        assertTrue(live.from().beginning());
        assertNull(live.to());
        assertFalse(live.side());
        assertEquals(Instant.parse("2026-11-24T09:00:00Z"),
                ReplayRequest.parse("a.calls", null, "2026-11-24T10:00:00+01:00", null, "live").from().time());
    }

    @Test
    void aTopicOrPartitionNamedTwiceIsTakenOnce() {
        // The plan has one leg per topic and partition: a topic planned twice would be rewound and applied twice over.
        ReplayRequest r = ReplayRequest.parse("events.callcenter.calls,events.callcenter.calls, b.orders ,events.callcenter.calls",
                "1,0,1", "beginning", "", "");
        assertEquals(List.of("events.callcenter.calls", "b.orders"), r.topics());
        assertEquals(Set.of(0, 1), r.partitions());
    }

    @Test
    void namesTheBadField() {
        assertEquals("topic is missing: name one or more topics, comma-separated",
                assertThrows(ReplayException.class, () -> ReplayRequest.parse(" ", "", "0", "", "")).getMessage());
        assertTrue(assertThrows(ReplayException.class, () -> ReplayRequest.parse("t", "x", "0", "", "")).getMessage()
                .startsWith("partition 'x'"));
        assertTrue(assertThrows(ReplayException.class, () -> ReplayRequest.parse("t", "", "", "", "")).getMessage()
                .startsWith("from is missing"));
        assertTrue(assertThrows(ReplayException.class, () -> ReplayRequest.parse("t", "", "soon", "", "")).getMessage()
                .startsWith("from 'soon' is neither"));
        assertTrue(assertThrows(ReplayException.class, () -> ReplayRequest.parse("t", "", "0", "beginning", "")).getMessage()
                .startsWith("to cannot be the beginning"));
        assertTrue(assertThrows(ReplayException.class, () -> ReplayRequest.parse("t", "", "0", "", "later")).getMessage()
                .startsWith("mode 'later' is unknown"));
    }
}
