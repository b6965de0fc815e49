-- docker-compose only: the OLTP server starts with database crm; Tidewater migrates its tables, this adds sales.
CREATE DATABASE sales OWNER tidewater;
