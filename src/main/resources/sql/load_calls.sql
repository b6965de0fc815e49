SELECT pg_advisory_xact_lock(7001);
WITH inserted AS (
    INSERT INTO fact_call (event_id, customer_id, customer_key, agent_id, started_at, duration_sec, outcome)
    SELECT * FROM unnest(:?eventIds::uuid[], :?customerIds::bigint[], :?customerKeys::bigint[], :?agentIds::text[],
                         :?startedAts::timestamptz[], :?durations::int[], :?outcomes::text[])
    ON CONFLICT (event_id) DO NOTHING
    RETURNING started_at, customer_key, duration_sec
)
INSERT INTO agg_calls_hourly AS a (hour, region, segment, calls, total_duration_sec)
SELECT date_trunc('hour', i.started_at, 'UTC'), coalesce(d.region, 'unknown'), coalesce(d.segment, 'unknown'),
       count(*), sum(i.duration_sec)
FROM inserted i LEFT JOIN dim_customer d ON d.customer_key = i.customer_key
GROUP BY 1, 2, 3
ON CONFLICT (hour, region, segment)
    DO UPDATE SET calls = a.calls + EXCLUDED.calls, total_duration_sec = a.total_duration_sec + EXCLUDED.total_duration_sec;
INSERT INTO etl_offsets (consumer_group, topic, partition, next_offset, updated_at)
SELECT :?group::text, t, p, o, now() FROM unnest(:?offTopics::text[], :?offPartitions::int[], :?offNext::bigint[]) AS x(t, p, o)
ON CONFLICT (consumer_group, topic, partition)
    DO UPDATE SET next_offset = GREATEST(etl_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()
