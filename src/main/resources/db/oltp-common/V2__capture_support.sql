-- Written by Debezium's heartbeat action query, so that an idle database still produces WAL the capture slot can
-- confirm, and the slot never holds back WAL for long.
CREATE TABLE tidewater_heartbeat (
    id  INTEGER PRIMARY KEY,
    ts  TIMESTAMPTZ NOT NULL
);

-- Debezium's signal table: insert ('id', 'execute-snapshot', '{"data-collections": ["public.<table>"], "type": "incremental"}')
-- to re-snapshot one table while capture keeps running.
CREATE TABLE tidewater_signal (
    id    VARCHAR(64) PRIMARY KEY,
    type  VARCHAR(32) NOT NULL,
    data  VARCHAR(2048)
);
