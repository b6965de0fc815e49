INSERT INTO fact_call (event_id, customer_id, agent_id, started_at, duration_sec, outcome)
SELECT * FROM unnest(:?eventIds::uuid[], :?customerIds::bigint[], :?agentIds::text[],
                     :?startedAts::timestamptz[], :?durations::int[], :?outcomes::text[])
ON CONFLICT (event_id) DO NOTHING
