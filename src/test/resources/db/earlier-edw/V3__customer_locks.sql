-- apply_customer_changes takes the aggregate's advisory lock (7001) only when it moves calls of filled-in inferred
-- members, and only after the fill-ins, instead of for the whole batch: the rest of a batch of customer changes never
-- touches agg_calls_hourly, so calls batches no longer wait for it.
--
-- Why that is enough: a calls batch takes the lock before the statement that adds to agg_calls_hourly, so that
-- statement's snapshot is taken after any customer transaction holding the lock has committed. Either the calls batch
-- commits first, and reattribute_inferred_calls (a later statement, after the lock) sees and moves its rows; or the
-- customer transaction commits first, and the calls batch reads the filled-in segment and region.
--
-- Without that lock around them, two writers may insert the same new customers concurrently (the enricher's inferred
-- members, customer changes). ensure_customers now inserts in customer id order, so two enrichers wait for each other
-- instead of deadlocking; a deadlock with a batch of customer changes (applied in LSN order) is still possible, rare,
-- and the batch is retried.

-- The current dimension row of each id, creating an inferred member for an id the warehouse has never seen.
CREATE OR REPLACE FUNCTION ensure_customers(ids bigint[])
    RETURNS TABLE (customer_id bigint, customer_key bigint, segment text, region text) AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO dim_customer (customer_id, valid_from, is_current, is_inferred)
    SELECT DISTINCT u.id, now(), TRUE, TRUE
    FROM unnest(ids) AS u(id)
    WHERE NOT EXISTS (SELECT 1 FROM dim_customer d WHERE d.customer_id = u.id AND d.is_current)
    ORDER BY u.id
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
CREATE OR REPLACE FUNCTION apply_customer_changes(ids bigint[], names text[], emails text[], segments text[], regions text[],
                                       changed_ats timestamptz[], lsns bigint[], deletes boolean[])
    RETURNS TABLE (customer_id bigint, customer_key bigint, segment text, region text) AS $$
#variable_conflict use_column
DECLARE
    cur          dim_customer%ROWTYPE;
    newest       bigint;
    filled       bigint[] := '{}';
BEGIN
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
        -- Only moving calls in agg_calls_hourly needs the aggregate's lock. Taken here, after the fill-ins, a calls
        -- batch either committed before (its rows are seen and moved) or attributes after this commits.
        PERFORM pg_advisory_xact_lock(7001);
        PERFORM reattribute_inferred_calls(filled);
    END IF;
    RETURN QUERY SELECT d.customer_id, d.customer_key, d.segment, d.region
                 FROM dim_customer d WHERE d.customer_id = ANY (ids) AND d.is_current;
END
$$ LANGUAGE plpgsql;
