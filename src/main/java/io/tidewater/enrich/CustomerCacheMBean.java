package io.tidewater.enrich;

/** JMX view of the customer cache: tidewater:type=cache,name=customers. */
public interface CustomerCacheMBean {

    long getHits();

    long getMisses();

    double getHitRatio();

    long getEvictions();

    long getSize();

    void invalidateAll();
}
