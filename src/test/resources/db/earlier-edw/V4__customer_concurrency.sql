-- Customer changes stay right under concurrency, and a deleted customer is never brought back.
--
-- Two writers may touch the same customer at once: two consumers, a rebalance, a side replay next to the live route,
-- or the enricher creating an inferred member. Each now takes a per-customer advisory lock (class 7002, keyed by a hash
-- of the customer id) before it reads anything of that customer, in ascending key order, so that two writers wait for
-- each other instead of deadlocking, and the LSN comparison sees whatever the other one committed. The result equals
-- applying the changes in LSN order, whatever the interleaving. (A hash collision only makes two customers share a lock.)
--
-- The functions also return source_lsn, so that the enricher's cache never lets an older entry replace a newer one; and
-- for a deleted customer (no current version) they return its last version instead of creating an inferred member.

DROP FUNCTION ensure_customers(bigint[]);
DROP FUNCTION apply_customer_changes(bigint[], text[], text[], text[], text[], timestamptz[], bigint[], boolean[]);

-- Takes the per-customer locks of a set of customer ids, in ascending lock key order.
CREATE FUNCTION lock_customers(ids bigint[]) RETURNS void AS $$
DECLARE
    k int;
BEGIN
    FOR k IN SELECT DISTINCT hashtext(u.id::text) FROM unnest(ids) AS u(id) WHERE u.id IS NOT NULL ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(7002, k);
    END LOOP;
END
$$ LANGUAGE plpgsql;

-- The newest version of each customer (the current one, or the last one of a deleted customer), as the enricher caches it.
CREATE FUNCTION customer_versions(ids bigint[])
    RETURNS TABLE (customer_id bigint, customer_key bigint, segment text, region text, source_lsn bigint) AS $$
    SELECT DISTINCT ON (d.customer_id) d.customer_id, d.customer_key, d.segment, d.region, d.source_lsn
    FROM dim_customer d WHERE d.customer_id = ANY (ids)
    ORDER BY d.customer_id, d.is_current DESC, d.customer_key DESC
$$ LANGUAGE sql STABLE;

-- The newest version of each id, creating an inferred member only for an id the warehouse has never seen: a deleted
-- customer keeps its last version.
CREATE FUNCTION ensure_customers(ids bigint[])
    RETURNS TABLE (customer_id bigint, customer_key bigint, segment text, region text, source_lsn bigint) AS $$
#variable_conflict use_column
BEGIN
    PERFORM lock_customers(ids);
    INSERT INTO dim_customer (customer_id, valid_from, is_current, is_inferred)
    SELECT DISTINCT u.id, now(), TRUE, TRUE
    FROM unnest(ids) AS u(id)
    WHERE NOT EXISTS (SELECT 1 FROM dim_customer d WHERE d.customer_id = u.id)
    ORDER BY u.id
    ON CONFLICT (customer_id) WHERE is_current DO NOTHING;
    RETURN QUERY SELECT * FROM customer_versions(ids);
END
$$ LANGUAGE plpgsql;

-- Applies customer changes in LSN order as a type-2 dimension and returns the newest version of the customers touched.
--  * the customers' locks are taken first; a change not newer than the newest LSN applied to that customer is skipped;
--  * an inferred member is filled in, without a new version, and its calls move to its segment and region in the aggregate;
--  * a change of segment or region closes the current version and opens a new one;
--  * other changes update the current version in place;
--  * a delete closes the current version (history is kept; no current row remains).
CREATE FUNCTION apply_customer_changes(ids bigint[], names text[], emails text[], segments text[], regions text[],
                                       changed_ats timestamptz[], lsns bigint[], deletes boolean[])
    RETURNS TABLE (customer_id bigint, customer_key bigint, segment text, region text, source_lsn bigint) AS $$
#variable_conflict use_column
DECLARE
    cur          dim_customer%ROWTYPE;
    newest       bigint;
    filled       bigint[] := '{}';
BEGIN
    PERFORM lock_customers(ids);
    FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
        SELECT max(d.source_lsn) INTO newest FROM dim_customer d WHERE d.customer_id = ids[i];
        CONTINUE WHEN newest IS NOT NULL AND newest >= lsns[i];
        SELECT * INTO cur FROM dim_customer d WHERE d.customer_id = ids[i] AND d.is_current FOR UPDATE;
        IF NOT FOUND THEN
            CONTINUE WHEN deletes[i];
            INSERT INTO dim_customer (customer_id, name, email, segment, region, valid_from, is_current, is_inferred, source_lsn)
            VALUES (ids[i], names[i], emails[i], segments[i], regions[i], changed_ats[i], TRUE, FALSE, lsns[i]);
            CONTINUE;
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
    RETURN QUERY SELECT * FROM customer_versions(ids);
END
$$ LANGUAGE plpgsql;
