package io.tidewater.flow;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;

/** The Caffeine cache of one dimension's lookups (a camel-caffeine cache named after its table), with stats for JMX. */
public class DimensionCache implements DimensionCacheMBean {

    private final Cache<Object, Object> cache;

    public DimensionCache(long maximumSize, Duration expireAfterWrite) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(expireAfterWrite)
                .recordStats()
                .build();
    }

    public Cache<Object, Object> cache() {
        return cache;
    }

    /**
     * Writes entries through, keeping the newer one where the cache already has an entry: two writers (a consumer that
     * read the warehouse before a dimension change committed, and the route that applied it) may put in either order.
     */
    public void putNewer(Map<Object, DimensionKey> entries) {
        if (entries == null) {
            return;
        }
        entries.forEach((id, entry) -> cache.asMap().merge(id, entry,
                (had, put) -> ((DimensionKey) put).lsn() >= ((DimensionKey) had).lsn() ? put : had));
    }

    /** Rows of (natural_key, surrogate_key, lsn), as the warehouse answers a dimension's newest members, as cache entries. */
    public static Map<Object, DimensionKey> entries(List<Map<String, Object>> rows) {
        Map<Object, DimensionKey> out = new HashMap<>();
        if (rows != null) {
            for (Map<String, Object> r : rows) {
                Object natural = r.get("natural_key");
                out.put(natural instanceof java.util.UUID u ? u.toString() : natural,
                        new DimensionKey(((Number) r.get("surrogate_key")).longValue(), ((Number) r.get("lsn")).longValue()));
            }
        }
        return out;
    }

    private CacheStats stats() {
        return cache.stats();
    }

    @Override
    public long getHits() {
        return stats().hitCount();
    }

    @Override
    public long getMisses() {
        return stats().missCount();
    }

    @Override
    public double getHitRatio() {
        return stats().hitRate();
    }

    @Override
    public long getEvictions() {
        return stats().evictionCount();
    }

    @Override
    public long getSize() {
        return cache.estimatedSize();
    }

    @Override
    public void invalidateAll() {
        cache.invalidateAll();
    }
}
