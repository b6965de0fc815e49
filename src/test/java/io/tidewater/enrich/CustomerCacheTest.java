package io.tidewater.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Issue 11, point 5: of two writers racing to the enricher's cache, the entry from the newer source LSN stays. */
class CustomerCacheTest {

    @Test
    void anOlderEntryNeverReplacesANewerOne() {
        CustomerCache cache = new CustomerCache(100, Duration.ofMinutes(5));
        CustomerKey newer = new CustomerKey(12, "enterprise", "emea", 20);
        CustomerKey older = new CustomerKey(11, "smb", "emea", 10);
        cache.putNewer(Map.of(7L, newer));
        cache.putNewer(Map.of(7L, older));
        assertEquals(newer, cache.cache().getIfPresent(7L));

        CustomerKey inferred = new CustomerKey(13, null, null, 0);
        cache.putNewer(Map.of(8L, inferred));
        CustomerKey filledIn = new CustomerKey(13, "smb", "amer", 30);
        cache.putNewer(Map.of(8L, filledIn));
        assertEquals(filledIn, cache.cache().getIfPresent(8L), "a filled-in inferred member replaces the inferred entry");
        cache.putNewer(Map.of(8L, filledIn));
        assertEquals(filledIn, cache.cache().getIfPresent(8L), "the same entry again changes nothing");
    }
}
