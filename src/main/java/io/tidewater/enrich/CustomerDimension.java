package io.tidewater.enrich;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.Message;

/** Steps of the customer enrichment sub-route: which ids to look up, which the cache missed, and the merged answer. */
public class CustomerDimension {

    public static final String CACHE_KEYS = "CamelCaffeineKeys";
    public static final String CACHED = "tidewaterCachedCustomers";
    public static final String MISSING = "missingCustomerIds";

    /** The distinct customer ids of a batch, as the cache's GET_ALL keys. */
    public void keys(@Header("customerIds") Long[] customerIds, Message out) {
        Set<Long> ids = new LinkedHashSet<>(Arrays.asList(customerIds == null ? new Long[0] : customerIds));
        ids.remove(null);     // a deleted order carries no customer
        out.setHeader(CACHE_KEYS, ids);
    }

    /** After GET_ALL: keeps the hits aside and lists the misses to read from (or create in) dim_customer. */
    @SuppressWarnings("unchecked")
    public void misses(@Body Map<Object, Object> hits, Message out) {
        Set<Long> wanted = out.getHeader(CACHE_KEYS, Set.class);
        Map<Long, CustomerKey> cached = new HashMap<>();
        if (hits != null) {
            hits.forEach((k, v) -> cached.put((Long) k, (CustomerKey) v));
        }
        out.setHeader(CACHED, cached);
        Long[] missing = wanted.stream().filter(id -> !cached.containsKey(id)).toArray(Long[]::new);
        out.setHeader(MISSING, missing);
        out.setHeader("tidewaterHasMisses", missing.length > 0);
    }

    /** Rows of (customer_id, customer_key, segment, region, source_lsn) from the warehouse, as cache entries. */
    public Map<Long, CustomerKey> fromRows(@Body List<Map<String, Object>> rows) {
        Map<Long, CustomerKey> out = new HashMap<>();
        for (Map<String, Object> r : rows) {
            Number lsn = (Number) r.get("source_lsn");
            out.put(((Number) r.get("customer_id")).longValue(), new CustomerKey(((Number) r.get("customer_key")).longValue(),
                    (String) r.get("segment"), (String) r.get("region"), lsn == null ? 0 : lsn.longValue()));
        }
        return out;
    }

    /** The cached hits plus whatever the warehouse answered for the misses. */
    @SuppressWarnings("unchecked")
    public Map<Long, CustomerKey> merge(@Body Object resolved, @Header(CACHED) Map<Long, CustomerKey> cached) {
        Map<Long, CustomerKey> all = new HashMap<>(cached);
        if (resolved instanceof Map<?, ?> m) {
            all.putAll((Map<Long, CustomerKey>) m);
        }
        return all;
    }
}
