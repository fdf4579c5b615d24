-- Rebuilds every analytics table from the warehouse in the caller's transaction (a refresh
-- whose queue holds much of the warehouse, and wiqaya-etl migrate when a builder
-- changed): what was queued is shown by it, with fresh planner statistics
-- (warehouse.rebuild_finish). Returns the new data version. Loads and
-- `wiqaya-etl refresh`, whose transactions hold no change of their own, rebuild the same
-- way with the facts built on several connections at once (etl/load/rebuild.c): the same
-- start, parts and finish.
--
-- No nested loops: a rebuild reads whole tables, and hash joins are right for every one
-- of its statements. The planner chooses nested loops when the warehouse's statistics say
-- its tables are empty (autovacuum analysed them before the first load committed), and
-- then the rebuild of 7,000 victims took 150 s; a million would take days.
CREATE OR REPLACE FUNCTION warehouse.rebuild_analytics() RETURNS bigint
LANGUAGE plpgsql SET enable_nestloop = off AS $$
DECLARE
  s record;
BEGIN
  SELECT * INTO s FROM warehouse.rebuild_start();
  -- Each statement of a READ COMMITTED caller (migrate, or an operator by hand) sees
  -- what committed before it: a load committed after rebuild_start emptied the queue is
  -- in the facts, its first year still queued. Every year then starts a new epoch
  -- (migration 030): a changed builder may change any year's facts anyway.
  IF current_setting('transaction_isolation') <> 'repeatable read' THEN
    INSERT INTO analytics.year_change (from_year, version) VALUES (0, NULL)
    ON CONFLICT (from_year) DO UPDATE SET version = NULL;
  END IF;
  PERFORM warehouse.build_analytics(NULL, NULL, s.last_month, s.cap);
  RETURN warehouse.rebuild_finish(s.last_month, '{}');
END
$$;
REVOKE ALL ON FUNCTION warehouse.rebuild_analytics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.rebuild_analytics() TO wiqaya_loader;
