package io.tidewater.enrich;

import java.util.Map;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/** Content-enricher strategy: puts the customer_key of each row (aligned with the customerIds header) on the batch. */
public class CustomerKeysStrategy implements AggregationStrategy {

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
        Map<Long, CustomerKey> keys = resource.getMessage().getBody(Map.class);
        Long[] ids = original.getMessage().getHeader("customerIds", Long[].class);
        Long[] customerKeys = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == null) {
                continue;     // a delete: no customer to look up
            }
            CustomerKey k = keys.get(ids[i]);
            if (k == null) {
                throw new IllegalStateException("No customer dimension row for customer " + ids[i]);
            }
            customerKeys[i] = k.customerKey();
        }
        original.getMessage().setHeader("customerKeys", customerKeys);
        return original;
    }
}
