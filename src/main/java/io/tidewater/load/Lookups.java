package io.tidewater.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.tidewater.flow.DimensionCache;
import io.tidewater.flow.DimensionKey;
import io.tidewater.flow.FlowSpec;
import io.tidewater.flow.Flows;
import io.tidewater.flow.Parameters;
import io.tidewater.warehouse.RefusedInput;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.jdbc.JdbcConstants;

/**
 * A batch's lookups: the bean behind the flow-lookup route, the content enricher of the write route. For each lookup of
 * the batch's flow: its natural keys, the hits of its dimension's Caffeine cache, and for the misses the warehouse's
 * answer (creating inferred members for keys the dimension has never seen), written through to the cache. As the
 * enricher's aggregation strategy, it binds each row's surrogate key to the batch.
 */
public class Lookups implements AggregationStrategy {

    /** The header camel-caffeine's GET_ALL reads its keys from. */
    public static final String CACHE_KEYS = "CamelCaffeineKeys";
    /** Exchange property of the flow-lookup route: the lookup being resolved. */
    public static final String LOOKUP = "tidewaterLookup";
    /** Header of the flow-lookup route: the name of the lookup's cache (its dimension's table). */
    public static final String CACHE = "tidewaterCache";
    /** Exchange property of the flow-lookup route: what each lookup of the batch resolved, in order. */
    private static final String RESOLVED = "tidewaterResolved";

    private final Flows flows;

    public Lookups(Flows flows) {
        this.flows = flows;
    }

    /** One lookup of a batch being resolved: its dimension, its cache, the keys wanted and those found. */
    public static final class Lookup {
        private final FlowSpec dimension;
        private final Set<Object> wanted;
        private final Map<Object, DimensionKey> found = new HashMap<>();
        private Object[] missing = new Object[0];

        Lookup(FlowSpec dimension, Set<Object> wanted) {
            this.dimension = dimension;
            this.wanted = wanted;
        }

        /** The name of the dimension's cache (its table), as the caffeine-cache endpoint finds it. */
        public String getCache() {
            return dimension.table();
        }

        /** Whether some wanted keys were not in the cache. */
        public boolean isMissing() {
            return missing.length > 0;
        }
    }

    /** The lookup at the loop's index: its distinct natural keys, as the GET_ALL keys of its dimension's cache. */
    public void keys(Exchange exchange, @ExchangeProperty(Batch.PROPERTY) Batch batch) {
        int index = exchange.getProperty(Exchange.LOOP_INDEX, 0, Integer.class);
        FlowSpec.Lookup l = batch.flow().lookups().get(index);
        Set<Object> keys = new LinkedHashSet<>(Arrays.asList(batch.lookupValues().get(index)));
        keys.remove(null);     // a delete carries no key to look up
        Lookup lookup = new Lookup(flows.flow(l.dimension()), keys);
        exchange.setProperty(LOOKUP, lookup);
        exchange.getMessage().setHeader(CACHE_KEYS, keys);
        exchange.getMessage().setHeader(CACHE, lookup.getCache());
    }

    /*
     * The routes ask this bean, not the batch or the lookup through a simple expression: Camel's bean language caches
     * what it learns of the object an expression calls, keyed by the object, so every batch would stay reachable.
     */

    /** How many lookups the batch resolves (the flow-lookup route's loop); none is refused yet. */
    public int count(@ExchangeProperty(Batch.PROPERTY) Batch batch) {
        batch.lookupRefused(null);
        return batch.lookupCount();
    }

    /**
     * The warehouse refused a key of the lookup for good (a data error: a NUL, a value over a limit): the batch carries
     * the refusal back to its write route, where {@link #check} raises it.
     */
    public void refused(Exchange exchange, @ExchangeProperty(Batch.PROPERTY) Batch batch) {
        batch.lookupRefused(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, RefusedInput.class));
    }

    /**
     * After the enricher, in the write route: a lookup the warehouse refused fails the batch there, so that its records
     * are searched for the refused ones as for any refusal of the batch's statement, and the rest are written.
     */
    public void check(@ExchangeProperty(Batch.PROPERTY) Batch batch) throws RefusedInput {
        if (batch.lookupRefused() != null) {
            throw batch.lookupRefused();
        }
    }

    /** Whether some of the lookup's keys were not in its cache. */
    public boolean missing(@ExchangeProperty(LOOKUP) Lookup lookup) {
        return lookup.isMissing();
    }

    /** After GET_ALL: the hits are found; the misses are to be read from (or created in) the dimension. */
    @SuppressWarnings("unchecked")
    public void misses(Exchange exchange, @ExchangeProperty(LOOKUP) Lookup lookup) {
        Map<Object, Object> hits = exchange.getMessage().getBody(Map.class);
        if (hits != null) {
            hits.forEach((k, v) -> lookup.found.put(k, (DimensionKey) v));
        }
        FlowSpec d = lookup.dimension;
        lookup.missing = lookup.wanted.stream().filter(k -> !lookup.found.containsKey(k)).toArray(
                n -> d.columns().get(d.naturalKey()).type().newArray(n));
        exchange.getMessage().setHeader(JdbcConstants.JDBC_PARAMETERS, Map.of(Parameters.MISSING, lookup.missing));
    }

    /** The statement creating inferred members for the misses the dimension has never seen. */
    public String ensure(@ExchangeProperty(LOOKUP) Lookup lookup) {
        return flows.statements().ensure(lookup.dimension.name());
    }

    /** The statement reading the newest version of each miss (in a new snapshot, after ensure committed). */
    public String newest(@ExchangeProperty(LOOKUP) Lookup lookup) {
        return flows.statements().newestOfMissing(lookup.dimension.name());
    }

    /** The warehouse's rows for the misses: found, and written through to the cache (the newer entry winning). */
    public void answered(List<Map<String, Object>> rows, @ExchangeProperty(LOOKUP) Lookup lookup) {
        Map<Object, DimensionKey> entries = DimensionCache.entries(rows);
        DimensionCache cache = flows.caches().get(lookup.dimension.name());
        if (cache != null) {
            cache.putNewer(entries);
        }
        lookup.found.putAll(entries);
    }

    /** The end of one lookup: what it found, kept for the batch. */
    @SuppressWarnings("unchecked")
    public void resolved(Exchange exchange, @ExchangeProperty(LOOKUP) Lookup lookup) {
        List<Map<Object, DimensionKey>> resolved = exchange.getProperty(RESOLVED, List.class);
        if (resolved == null) {
            resolved = new ArrayList<>();
            exchange.setProperty(RESOLVED, resolved);
        }
        resolved.add(lookup.found);
        exchange.removeProperty(LOOKUP);
    }

    /** What the batch's lookups found, in the order of the flow's lookups. */
    @SuppressWarnings("unchecked")
    public List<Map<Object, DimensionKey>> found(Exchange exchange) {
        List<Map<Object, DimensionKey>> resolved = exchange.getProperty(RESOLVED, List.class);
        return resolved == null ? List.of() : resolved;
    }

    /** The enricher's strategy: each lookup's surrogate keys bound to the batch ({@link Batch#resolve}). */
    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange original, Exchange resource) {
        if (original == null) {
            return resource;
        }
        if (resource == null || resource.getException() != null) {
            if (resource != null) {
                original.setException(resource.getException());
            }
            return original;
        }
        Batch batch = original.getProperty(Batch.PROPERTY, Batch.class);
        if (batch.lookupRefused() != null) {
            // Nothing to bind: the write route raises the refusal next (check).
            return original;
        }
        List<Map<Object, DimensionKey>> found = resource.getMessage().getBody(List.class);
        for (int j = 0; j < found.size(); j++) {
            batch.resolve(j, found.get(j));
        }
        return original;
    }
}
