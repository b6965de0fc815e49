-- A row a patch makes before its fact arrives is a placeholder, counted by no rollup until its fact fills it in (the
-- engine adds this column to every unversioned fact table it loads; the demo's fact_call is made here).
ALTER TABLE fact_call ADD COLUMN IF NOT EXISTS is_placeholder boolean NOT NULL DEFAULT FALSE;
