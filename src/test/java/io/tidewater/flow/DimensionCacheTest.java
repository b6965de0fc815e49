package io.tidewater.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Issue 11, point 5: of two writers racing to a dimension's lookup cache, the entry from the newer source LSN stays. */
class DimensionCacheTest {

    @Test
    void anOlderEntryNeverReplacesANewerOne() {
        DimensionCache cache = new DimensionCache(100, Duration.ofMinutes(5));
        DimensionKey newer = new DimensionKey(12, 20);
        DimensionKey older = new DimensionKey(11, 10);
        cache.putNewer(Map.of(7L, newer));
        cache.putNewer(Map.of(7L, older));
        assertEquals(newer, cache.cache().getIfPresent(7L));

        DimensionKey inferred = new DimensionKey(13, 0);
        cache.putNewer(Map.of(8L, inferred));
        DimensionKey filledIn = new DimensionKey(13, 30);
        cache.putNewer(Map.of(8L, filledIn));
        assertEquals(filledIn, cache.cache().getIfPresent(8L), "a filled-in inferred member replaces the inferred entry");
        cache.putNewer(Map.of(8L, filledIn));
        assertEquals(filledIn, cache.cache().getIfPresent(8L), "the same entry again changes nothing");
    }
}
