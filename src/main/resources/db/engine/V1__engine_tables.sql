-- The engine's own tables, in the warehouse schema. The flows' tables come from their declarations alone: the engine
-- makes them at start (io.tidewater.flow.FlowTables). Written to run on a warehouse that has them already.

-- Each load consumer group's next offset per partition, committed with the rows of every batch.
CREATE TABLE IF NOT EXISTS etl_offsets (
    consumer_group  TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    partition       INTEGER NOT NULL,
    next_offset     BIGINT  NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

-- The last statement of a trial: a batch being searched for the records the warehouse refuses is applied in parts
-- whose statements run in full and then fail with SQLSTATE TW001, so that nothing of them commits (BatchIsolation).
CREATE OR REPLACE FUNCTION tidewater_trial_passed() RETURNS void AS $$
BEGIN
    RAISE EXCEPTION 'trial passed: rolled back on purpose' USING ERRCODE = 'TW001';
END
$$ LANGUAGE plpgsql;
