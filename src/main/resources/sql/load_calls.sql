SELECT pg_advisory_xact_lock(7001);
INSERT INTO fact_call (event_id, customer_id, customer_key, agent_id, started_at, duration_sec, outcome)
SELECT * FROM unnest(:?eventIds::uuid[], :?customerIds::bigint[], :?customerKeys::bigint[], :?agentIds::text[],
                     :?startedAts::timestamptz[], :?durations::int[], :?outcomes::text[])
ON CONFLICT (event_id) DO NOTHING;
SELECT refresh_calls_hourly(ARRAY(SELECT DISTINCT date_trunc('hour', t, 'UTC') FROM unnest(:?startedAts::timestamptz[]) AS t));
INSERT INTO etl_offsets (consumer_group, topic, partition, next_offset, updated_at)
SELECT :?group::text, t, p, o, now() FROM unnest(:?offTopics::text[], :?offPartitions::int[], :?offNext::bigint[]) AS x(t, p, o)
ON CONFLICT (consumer_group, topic, partition)
    DO UPDATE SET next_offset = GREATEST(etl_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()
