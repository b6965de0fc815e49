INSERT INTO fact_order AS f (order_id, shipped_at, delivered_at, carrier)
SELECT * FROM unnest(:?orderIds::bigint[], :?shippedAts::timestamptz[], :?deliveredAts::timestamptz[], :?carriers::text[])
ON CONFLICT (order_id) DO UPDATE
    SET shipped_at = LEAST(f.shipped_at, EXCLUDED.shipped_at), delivered_at = LEAST(f.delivered_at, EXCLUDED.delivered_at),
        carrier = coalesce(f.carrier, EXCLUDED.carrier);
INSERT INTO etl_offsets (consumer_group, topic, partition, next_offset, updated_at)
SELECT :?group::text, t, p, o, now() FROM unnest(:?offTopics::text[], :?offPartitions::int[], :?offNext::bigint[]) AS x(t, p, o)
ON CONFLICT (consumer_group, topic, partition)
    DO UPDATE SET next_offset = GREATEST(etl_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()
