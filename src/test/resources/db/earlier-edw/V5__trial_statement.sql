-- The last statement of a trial: a batch being searched for the records the warehouse refuses is applied in parts
-- whose statements run in full and then fail with SQLSTATE TW001, so that nothing of them commits (BatchIsolation).
CREATE FUNCTION tidewater_trial_passed() RETURNS void AS $$
BEGIN
    RAISE EXCEPTION 'trial passed: rolled back on purpose' USING ERRCODE = 'TW001';
END
$$ LANGUAGE plpgsql;
