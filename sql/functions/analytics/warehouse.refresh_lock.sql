-- The lock that orders the full rebuild and the refresh (each sees the other's result).
CREATE OR REPLACE FUNCTION warehouse.refresh_lock() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 7305420002::bigint $$;
GRANT EXECUTE ON FUNCTION warehouse.refresh_lock() TO wiqaya_loader;
