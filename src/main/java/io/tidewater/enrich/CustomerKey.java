package io.tidewater.enrich;

/** What the enricher attaches to a fact: the current customer dimension row's surrogate key and attributes. */
public record CustomerKey(long customerKey, String segment, String region) {
}
