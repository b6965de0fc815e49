package io.tidewater.enrich;

/**
 * What the enricher attaches to a fact: the customer's newest dimension row (its current version, or the last one of a
 * deleted customer): surrogate key and attributes, with the source LSN it reflects (0 for an inferred member), so that
 * the cache keeps the newer of two entries.
 */
public record CustomerKey(long customerKey, String segment, String region, long lsn) {
}
