-- Functions the load routes call. Unqualified names resolve in the schema Flyway runs in (search_path).

-- Moves the calls of customers whose inferred member was just filled in from the 'unknown' region and segment of
-- agg_calls_hourly to their real ones. Batches of calls add exactly the rows they inserted (see sql/load_calls.sql),
-- so together the table always equals its recomputation from fact_call. Callers hold the advisory lock 7001, which
-- every writer of agg_calls_hourly takes, so no two transactions change it from different snapshots.
CREATE FUNCTION reattribute_inferred_calls(keys bigint[]) RETURNS void AS $$
BEGIN
    CREATE TEMP TABLE moved ON COMMIT DROP AS
    SELECT date_trunc('hour', f.started_at, 'UTC') AS hour, d.region, d.segment, count(*) AS calls,
           sum(f.duration_sec) AS total_duration_sec
    FROM fact_call f JOIN dim_customer d ON d.customer_key = f.customer_key
    WHERE f.customer_key = ANY (keys)
    GROUP BY 1, 2, 3;
    UPDATE agg_calls_hourly a SET calls = a.calls - m.calls, total_duration_sec = a.total_duration_sec - m.total_duration_sec
    FROM (SELECT hour, sum(calls) AS calls, sum(total_duration_sec) AS total_duration_sec FROM moved GROUP BY hour) m
    WHERE a.hour = m.hour AND a.region = 'unknown' AND a.segment = 'unknown';
    DELETE FROM agg_calls_hourly WHERE calls = 0;
    INSERT INTO agg_calls_hourly AS a (hour, region, segment, calls, total_duration_sec)
    SELECT hour, coalesce(region, 'unknown'), coalesce(segment, 'unknown'), calls, total_duration_sec FROM moved
    ON CONFLICT (hour, region, segment) DO UPDATE
        SET calls = a.calls + EXCLUDED.calls, total_duration_sec = a.total_duration_sec + EXCLUDED.total_duration_sec;
    DROP TABLE moved;
END
$$ LANGUAGE plpgsql;

-- The current dimension row of each id, creating an inferred member for an id the warehouse has never seen.
CREATE FUNCTION ensure_customers(ids bigint[])
    RETURNS TABLE (customer_id bigint, customer_key bigint, segment text, region text) AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO dim_customer (customer_id, valid_from, is_current, is_inferred)
    SELECT DISTINCT u.id, now(), TRUE, TRUE
    FROM unnest(ids) AS u(id)
    WHERE NOT EXISTS (SELECT 1 FROM dim_customer d WHERE d.customer_id = u.id AND d.is_current)
    ON CONFLICT (customer_id) WHERE is_current DO NOTHING;
    RETURN QUERY SELECT d.customer_id, d.customer_key, d.segment, d.region
                 FROM dim_customer d WHERE d.customer_id = ANY (ids) AND d.is_current;
END
$$ LANGUAGE plpgsql;

-- Applies customer changes in LSN order as a type-2 dimension and returns the current rows of the customers touched.
--  * a change not newer than the newest LSN already applied to that customer is skipped (replays converge);
--  * an inferred member is filled in, without a new version, and its calls move to its segment and region in the aggregate;
--  * a change of segment or region closes the current version and opens a new one;
--  * other changes update the current version in place;
--  * a delete closes the current version (history is kept; no current row remains).
CREATE FUNCTION apply_customer_changes(ids bigint[], names text[], emails text[], segments text[], regions text[],
                                       changed_ats timestamptz[], lsns bigint[], deletes boolean[])
    RETURNS TABLE (customer_id bigint, customer_key bigint, segment text, region text) AS $$
#variable_conflict use_column
DECLARE
    cur          dim_customer%ROWTYPE;
    newest       bigint;
    filled       bigint[] := '{}';
BEGIN
    PERFORM pg_advisory_xact_lock(7001);
    FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
        SELECT max(d.source_lsn) INTO newest FROM dim_customer d WHERE d.customer_id = ids[i];
        CONTINUE WHEN newest IS NOT NULL AND newest >= lsns[i];
        SELECT * INTO cur FROM dim_customer d WHERE d.customer_id = ids[i] AND d.is_current FOR UPDATE;
        IF NOT FOUND THEN
            CONTINUE WHEN deletes[i];
            INSERT INTO dim_customer (customer_id, name, email, segment, region, valid_from, is_current, is_inferred, source_lsn)
            VALUES (ids[i], names[i], emails[i], segments[i], regions[i], changed_ats[i], TRUE, FALSE, lsns[i])
            ON CONFLICT (customer_id) WHERE is_current DO NOTHING;
            CONTINUE WHEN FOUND;
            -- The enricher created an inferred member meanwhile: fill it in below.
            SELECT * INTO cur FROM dim_customer d WHERE d.customer_id = ids[i] AND d.is_current FOR UPDATE;
        END IF;
        IF deletes[i] THEN
            UPDATE dim_customer SET valid_to = changed_ats[i], is_current = FALSE, source_lsn = lsns[i]
            WHERE dim_customer.customer_key = cur.customer_key;
        ELSIF cur.is_inferred THEN
            UPDATE dim_customer SET name = names[i], email = emails[i], segment = segments[i], region = regions[i],
                                    is_inferred = FALSE, source_lsn = lsns[i]
            WHERE dim_customer.customer_key = cur.customer_key;
            filled := filled || cur.customer_key;
        ELSIF cur.segment IS DISTINCT FROM segments[i] OR cur.region IS DISTINCT FROM regions[i] THEN
            UPDATE dim_customer SET valid_to = changed_ats[i], is_current = FALSE
            WHERE dim_customer.customer_key = cur.customer_key;
            INSERT INTO dim_customer (customer_id, name, email, segment, region, valid_from, is_current, is_inferred, source_lsn)
            VALUES (ids[i], names[i], emails[i], segments[i], regions[i], changed_ats[i], TRUE, FALSE, lsns[i]);
        ELSE
            UPDATE dim_customer SET name = names[i], email = emails[i], source_lsn = lsns[i]
            WHERE dim_customer.customer_key = cur.customer_key;
        END IF;
    END LOOP;
    IF array_length(filled, 1) > 0 THEN
        PERFORM reattribute_inferred_calls(filled);
    END IF;
    RETURN QUERY SELECT d.customer_id, d.customer_key, d.segment, d.region
                 FROM dim_customer d WHERE d.customer_id = ANY (ids) AND d.is_current;
END
$$ LANGUAGE plpgsql;
