-- Whether the refresh queue holds much of the warehouse (a large load): then the analytics
-- are rebuilt whole, the same tables sooner than by finding what the queue names. Judged
-- by the queue's persons and cases, and the cases its batches loaded, against a fifth of
-- the persons (10,000 at least). warehouse.refresh_analytics asks it first, and so does
-- the loader's refresh (etl/load/refresher.c), which then rebuilds on several
-- connections.
CREATE OR REPLACE FUNCTION warehouse.refresh_needs_rebuild() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT (SELECT count(*) FROM warehouse.refresh_queue WHERE batch_id IS NULL AND from_year IS NULL) +
         (SELECT coalesce(sum(accepted), 0) FROM warehouse.batch WHERE batch_id IN
            (SELECT batch_id FROM warehouse.refresh_queue)) >
         greatest(10000, 0.2 * (SELECT reltuples FROM pg_class
                                WHERE oid = 'warehouse.person'::regclass))
$$;
REVOKE ALL ON FUNCTION warehouse.refresh_needs_rebuild() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.refresh_needs_rebuild() TO wiqaya_loader;
