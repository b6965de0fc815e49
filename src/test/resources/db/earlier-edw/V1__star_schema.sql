-- The warehouse star schema. Tables are unqualified: Flyway runs in the configured schema.
CREATE TABLE dim_customer (
    customer_key  BIGSERIAL PRIMARY KEY,
    customer_id   BIGINT      NOT NULL,
    name          TEXT,
    email         TEXT,
    segment       TEXT,
    region        TEXT,
    valid_from    TIMESTAMPTZ NOT NULL,
    valid_to      TIMESTAMPTZ,
    is_current    BOOLEAN     NOT NULL DEFAULT TRUE,
    is_inferred   BOOLEAN     NOT NULL DEFAULT FALSE,
    source_lsn    BIGINT
);
CREATE UNIQUE INDEX dim_customer_current ON dim_customer (customer_id) WHERE is_current;
CREATE INDEX dim_customer_id ON dim_customer (customer_id, source_lsn);

CREATE TABLE fact_order (
    order_id      BIGINT PRIMARY KEY,
    customer_key  BIGINT,
    status        TEXT,
    total_cents   BIGINT,
    currency      CHAR(3),
    created_at    TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ,
    shipped_at    TIMESTAMPTZ,
    delivered_at  TIMESTAMPTZ,
    carrier       TEXT,
    source_lsn    BIGINT,
    deleted       BOOLEAN     NOT NULL DEFAULT FALSE
);

CREATE TABLE fact_call (
    event_id      UUID PRIMARY KEY,
    customer_id   BIGINT      NOT NULL,
    customer_key  BIGINT,
    agent_id      TEXT        NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    duration_sec  INTEGER     NOT NULL,
    outcome       TEXT        NOT NULL,
    loaded_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX fact_call_started_at ON fact_call (started_at);
CREATE INDEX fact_call_customer_key ON fact_call (customer_key);

CREATE TABLE agg_calls_hourly (
    hour                TIMESTAMPTZ NOT NULL,
    region              TEXT        NOT NULL,
    segment             TEXT        NOT NULL,
    calls               BIGINT      NOT NULL,
    total_duration_sec  BIGINT      NOT NULL,
    PRIMARY KEY (hour, region, segment)
);

CREATE TABLE etl_offsets (
    consumer_group  TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    partition       INTEGER NOT NULL,
    next_offset     BIGINT  NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);
