-- The load is generated from the flow declarations in routes/ (the engine in io.tidewater.flow): the hand-written
-- functions of the customer dimension and its re-attribution of inferred members are no longer called.
DROP FUNCTION apply_customer_changes(bigint[], text[], text[], text[], text[], timestamptz[], bigint[], boolean[]);
DROP FUNCTION ensure_customers(bigint[]);
DROP FUNCTION customer_versions(bigint[]);
DROP FUNCTION lock_customers(bigint[]);
DROP FUNCTION reattribute_inferred_calls(bigint[]);
