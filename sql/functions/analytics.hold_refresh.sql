-- A reader's consistent view of a spread layout (docs/operations.md, "Beyond one
-- machine"): with years on other servers, a reader's snapshot of the coordinator does not
-- reach the nodes (postgres_fdw opens each node's transaction, with a snapshot of its own,
-- when the reader first touches it), and a refresh commits on the nodes just before it
-- commits here. So a reader that may read a foreign partition holds the refresh lock,
-- shared, from before its snapshot to after its end: no refresh, rebuild or move can
-- commit in between, and every server shows it the same data version. The server's SQL
-- path and the column engine's load call it before BEGIN and, when it says true, release
-- it with pg_advisory_unlock_all() after their COMMIT (a session lock: an xact lock would
-- be taken after the snapshot). Without foreign partitions it takes nothing: one
-- server's MVCC snapshot is consistent by itself. SECURITY DEFINER: the reader cannot
-- read the catalogue of the lock's key (warehouse.refresh_lock).
CREATE OR REPLACE FUNCTION analytics.hold_refresh() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE c.relnamespace = 'analytics'::regnamespace AND c.relkind = 'f') THEN
    PERFORM pg_advisory_lock_shared(warehouse.refresh_lock());
    RETURN true;
  END IF;
  RETURN false;
END
$$;
REVOKE ALL ON FUNCTION analytics.hold_refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.hold_refresh() TO wiqaya_reader;
