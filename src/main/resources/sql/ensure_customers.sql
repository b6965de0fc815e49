SELECT * FROM ensure_customers(:?missingCustomerIds::bigint[])
