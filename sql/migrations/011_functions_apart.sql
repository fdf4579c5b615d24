-- The live SQL functions now live in sql/functions, one file each, applied by
-- wiqaya-etl migrate after the migrations whenever a file changes (sql/functions/README.md).
-- A new database (000_baseline) never had the old builder.
-- Migrations keep the DDL and the signature changes, such as this one: the analytics
-- builder takes the persons and cases to build as arrays (NULL: everything) instead of a
-- flag that made it format its counting rules around temporary tables at run time.
DROP FUNCTION IF EXISTS warehouse.build_analytics(boolean, date, integer);
