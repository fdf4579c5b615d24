-- Fresh planner statistics for the warehouse tables a refresh reads, taken when the refresh
-- is about to name many of their rows (warehouse.refresh_analytics) and after a full
-- rebuild (warehouse.rebuild_finish): planned with statistics that say the tables are
-- empty (autovacuum analysed them between a load that was rolled back and the next one, as
-- tests/integration/etl.sh's kill -9 does), an incremental refresh of 6,000 cases ran its
-- nested loops for over a quarter of an hour.
--
-- SKIP_LOCKED: a table another session holds or waits for is left as it is, at once. The
-- rebuild's: its builders keep their reads of these tables open until it ends, and a
-- session queued behind them (a migration's ALTER) would queue this analysis behind it, a
-- wait PostgreSQL cannot see and the rebuild would never end (etl/load/rebuild.c); and it
-- never waits for autovacuum's analysis meanwhile. The refresh's waits: it is about to plan
-- with the statistics, and holds nothing a builder waits for.
--
-- ANALYZE needs the tables' owner: SECURITY DEFINER, for the loader, able to do nothing
-- else; at a statistics target of 25 (the facts' is 10: the refresh's joins are planned
-- on these tables' statistics).
CREATE OR REPLACE FUNCTION warehouse.analyze_warehouse(skip_locked boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET default_statistics_target = 25 AS $$
BEGIN
  IF skip_locked THEN
    ANALYZE (SKIP_LOCKED) warehouse."case", warehouse.victim, warehouse.offender,
      warehouse.person, warehouse.intervention;
  ELSE
    ANALYZE warehouse."case", warehouse.victim, warehouse.offender, warehouse.person,
      warehouse.intervention;
  END IF;
END
$$;
REVOKE ALL ON FUNCTION warehouse.analyze_warehouse(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.analyze_warehouse(boolean) TO wiqaya_loader;
