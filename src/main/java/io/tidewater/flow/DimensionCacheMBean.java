package io.tidewater.flow;

/** JMX view of a dimension cache: tidewater:type=cache,name=<dimension flow>. */
public interface DimensionCacheMBean {

    long getHits();

    long getMisses();

    double getHitRatio();

    long getEvictions();

    long getSize();

    void invalidateAll();
}
