CREATE TABLE customers (
    id          BIGINT PRIMARY KEY,
    name        TEXT        NOT NULL,
    email       TEXT        NOT NULL,
    segment     TEXT        NOT NULL,
    region      TEXT        NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE customers REPLICA IDENTITY FULL;
