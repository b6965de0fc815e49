-- Order changes, newest per order, applied only when newer than the row (LSN). A change carries every column, except
-- a delete, which may carry only the order id: the row then keeps its values and is marked deleted (soft delete).
INSERT INTO fact_order AS f (order_id, customer_key, status, total_cents, currency, created_at, updated_at, source_lsn, deleted)
SELECT * FROM unnest(:?orderIds::bigint[], :?customerKeys::bigint[], :?statuses::text[], :?totals::bigint[],
                     :?currencies::text[], :?createdAts::timestamptz[], :?updatedAts::timestamptz[], :?lsns::bigint[],
                     :?deleted::boolean[])
ON CONFLICT (order_id) DO UPDATE
    SET customer_key = coalesce(EXCLUDED.customer_key, f.customer_key),
        status = coalesce(EXCLUDED.status, f.status),
        total_cents = coalesce(EXCLUDED.total_cents, f.total_cents),
        currency = coalesce(EXCLUDED.currency, f.currency),
        created_at = coalesce(EXCLUDED.created_at, f.created_at),
        updated_at = coalesce(EXCLUDED.updated_at, f.updated_at),
        source_lsn = EXCLUDED.source_lsn, deleted = EXCLUDED.deleted
    WHERE f.source_lsn IS NULL OR f.source_lsn < EXCLUDED.source_lsn;
INSERT INTO etl_offsets (consumer_group, topic, partition, next_offset, updated_at)
SELECT :?group::text, t, p, o, now() FROM unnest(:?offTopics::text[], :?offPartitions::int[], :?offNext::bigint[]) AS x(t, p, o)
ON CONFLICT (consumer_group, topic, partition)
    DO UPDATE SET next_offset = GREATEST(etl_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()
