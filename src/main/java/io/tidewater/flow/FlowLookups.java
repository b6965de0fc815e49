package io.tidewater.flow;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The steps of the flow-lookup route (a content enricher, once per lookup of a flow): which natural keys a batch looks
 * up, which of them the dimension's Caffeine cache missed, the warehouse's answer for those (creating inferred members),
 * and, as the enricher's aggregation strategy, each row's surrogate key.
 */
public class FlowLookups implements AggregationStrategy {

    public static final String CACHE_KEYS = "CamelCaffeineKeys";
    public static final String CACHE = "tidewaterCache";
    public static final String LOOKUP = "tidewaterLookup";
    private static final String CACHED = "tidewaterCached";
    private static final String WANTED = "tidewaterWanted";

    private final Flows flows;

    public FlowLookups(Flows flows) {
        this.flows = flows;
    }

    private FlowSpec.Lookup lookup(Message m) {
        FlowSpec f = flows.flow(m.getHeader(Flows.FLOW, String.class));
        return f.lookups().get(m.getHeader(LOOKUP, Integer.class));
    }

    /** The distinct keys of the lookup at the loop's index, as GET_ALL keys of its dimension's cache. */
    public void keys(Exchange exchange) {
        Message m = exchange.getMessage();
        int index = exchange.getProperty(Exchange.LOOP_INDEX, 0, Integer.class);
        m.setHeader(LOOKUP, index);
        FlowSpec.Lookup l = lookup(m);
        Object[] values = m.getHeader(FlowBatch.LOOKUP_VALUES + index, Object[].class);
        Set<Object> keys = new LinkedHashSet<>(Arrays.asList(values));
        keys.remove(null);     // a delete carries no key to look up
        m.setHeader(CACHE_KEYS, keys);
        m.setHeader(WANTED, keys);
        m.setHeader(CACHE, flows.flow(l.dimension()).table());
    }

    /** After GET_ALL: keeps the hits aside and lists the misses to read from (or create in) the dimension. */
    @SuppressWarnings("unchecked")
    public void misses(Exchange exchange) {
        Message m = exchange.getMessage();
        Map<Object, Object> hits = m.getBody(Map.class);
        Set<Object> wanted = m.getHeader(WANTED, Set.class);
        Map<Object, DimensionKey> cached = new HashMap<>();
        if (hits != null) {
            hits.forEach((k, v) -> cached.put(k, (DimensionKey) v));
        }
        m.setHeader(CACHED, cached);
        FlowSpec d = flows.flow(lookup(m).dimension());
        Object[] missing = wanted.stream().filter(k -> !cached.containsKey(k)).toArray(
                n -> d.columns().get(d.naturalKey()).type().newArray(n));
        m.setHeader("missing", missing);
        m.setHeader("tidewaterHasMisses", missing.length > 0);
    }

    /** The statement creating inferred members for the misses the dimension has never seen. */
    public String ensure(Exchange exchange) {
        return flows.statements().ensure(lookup(exchange.getMessage()).dimension());
    }

    /** The statement reading the newest version of each miss (in a new snapshot, after ensure committed). */
    public String newest(Exchange exchange) {
        return flows.statements().newestOfMissing(lookup(exchange.getMessage()).dimension());
    }

    /** The warehouse's rows as cache entries, written through (the newer entry winning). */
    public Map<Object, DimensionKey> resolved(Exchange exchange) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = exchange.getMessage().getBody(List.class);
        Map<Object, DimensionKey> entries = entries(rows);
        flows.caches().get(lookup(exchange.getMessage()).dimension()).putNewer(entries);
        return entries;
    }

    /** Rows of (natural_key, surrogate_key, lsn) as cache entries. */
    static Map<Object, DimensionKey> entries(List<Map<String, Object>> rows) {
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

    /** The cached hits plus whatever the warehouse answered for the misses. */
    @SuppressWarnings("unchecked")
    public Map<Object, DimensionKey> merge(Exchange exchange) {
        Message m = exchange.getMessage();
        Map<Object, DimensionKey> all = new HashMap<>(m.getHeader(CACHED, Map.class));
        if (m.getBody() instanceof Map<?, ?> resolved) {
            all.putAll((Map<Object, DimensionKey>) resolved);
        }
        return all;
    }

    /**
     * The enricher's strategy: the surrogate key of each row (aligned with the lookup's values) as header k<index>, and
     * as header i<index> the distinct ones the cache holds without a source LSN (inferred members, when last read), which
     * a fact batch that rolls up locks (see {@link FlowSql}).
     */
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
        Map<Object, DimensionKey> keys = resource.getMessage().getBody(Map.class);
        int index = resource.getMessage().getHeader(LOOKUP, Integer.class);
        Object[] values = original.getMessage().getHeader(FlowBatch.LOOKUP_VALUES + index, Object[].class);
        Long[] surrogate = new Long[values.length];
        Set<Long> inferred = new LinkedHashSet<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                continue;     // a delete: nothing to look up
            }
            DimensionKey k = keys.get(values[i]);
            if (k == null) {
                throw new IllegalStateException("No dimension row for " + values[i] + " (flow "
                        + original.getMessage().getHeader(Flows.FLOW) + ", lookup " + index + "); the batch is tried again");
            }
            surrogate[i] = k.key();
            if (k.lsn() == 0) {
                inferred.add(k.key());
            }
        }
        original.getMessage().setHeader("k" + index, surrogate);
        original.getMessage().setHeader("i" + index, inferred.toArray(Long[]::new));
        return original;
    }
}
