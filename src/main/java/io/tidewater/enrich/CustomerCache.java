package io.tidewater.enrich;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;

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
