CREATE TABLE orders (
    id           BIGINT PRIMARY KEY,
    customer_id  BIGINT      NOT NULL,
    status       TEXT        NOT NULL,
    total_cents  BIGINT      NOT NULL,
    currency     CHAR(3)     NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE orders REPLICA IDENTITY FULL;
