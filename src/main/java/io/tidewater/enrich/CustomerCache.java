package io.tidewater.enrich;

import java.time.Duration;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import org.apache.camel.Body;

/** The Caffeine cache behind the customer enricher (bound as the camel-caffeine cache "customers"), with stats for JMX. */
public class CustomerCache implements CustomerCacheMBean {

    private final Cache<Object, Object> cache;

    public CustomerCache(long maximumSize, Duration expireAfterWrite) {
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
     * read the warehouse before a customer change committed, and the route that applied it) may put in either order.
     */
    public void putNewer(@Body Map<Long, CustomerKey> entries) {
        if (entries == null) {
            return;
        }
        entries.forEach((id, entry) -> cache.asMap().merge(id, entry,
                (had, put) -> ((CustomerKey) put).lsn() >= ((CustomerKey) had).lsn() ? put : had));
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
