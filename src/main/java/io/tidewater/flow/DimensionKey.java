package io.tidewater.flow;

/**
 * What a lookup attaches to a fact: the dimension member's newest row (its current version, or the last one of a deleted
 * member) as its surrogate key, with the source LSN it reflects (0 for an inferred member), so the cache keeps the newer.
 */
public record DimensionKey(long key, long lsn) {
}
