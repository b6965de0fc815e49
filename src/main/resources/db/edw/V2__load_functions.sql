-- Functions the load routes call. Unqualified names resolve in the schema Flyway runs in (search_path).

-- Recomputes agg_calls_hourly for the given hours from fact_call. Callers hold the advisory lock 7001 (see below),
-- so that two transactions never recompute the same hour from different snapshots.
CREATE FUNCTION refresh_calls_hourly(hours timestamptz[]) RETURNS void AS $$
BEGIN
    DELETE FROM agg_calls_hourly a WHERE a.hour = ANY (hours);
    INSERT INTO agg_calls_hourly (hour, region, segment, calls, total_duration_sec)
    SELECT h.hour, coalesce(d.region, 'unknown'), coalesce(d.segment, 'unknown'), count(*), sum(f.duration_sec)
    FROM (SELECT DISTINCT unnest(hours) AS hour) h
    JOIN fact_call f ON f.started_at >= h.hour AND f.started_at < h.hour + interval '1 hour'
    LEFT JOIN dim_customer d ON d.customer_key = f.customer_key
    GROUP BY 1, 2, 3;
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
--  * an inferred member is filled in, without a new version, and its calls' hours are re-aggregated;
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
        PERFORM refresh_calls_hourly(ARRAY(SELECT DISTINCT date_trunc('hour', f.started_at, 'UTC')
                                           FROM fact_call f WHERE f.customer_key = ANY (filled)));
    END IF;
    RETURN QUERY SELECT d.customer_id, d.customer_key, d.segment, d.region
                 FROM dim_customer d WHERE d.customer_id = ANY (ids) AND d.is_current;
END
$$ LANGUAGE plpgsql;
