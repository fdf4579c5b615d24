-- Fresh planner statistics for the warehouse tables a refresh reads, taken when the refresh
-- is about to name many of their rows (warehouse.refresh_analytics) and after a full
-- rebuild (warehouse.rebuild_finish): planned with statistics that say the tables are
-- empty (autovacuum analysed them between a load that was rolled back and the next one, as
-- tests/integration/etl.sh's kill -9 does), an incremental refresh of 6,000 cases ran its
-- nested loops for over a quarter of an hour.
-- ANALYZE needs the tables' owner: SECURITY DEFINER, for the loader, able to do nothing
-- else; at warehouse.analyze_fact's statistics target (25).
CREATE OR REPLACE FUNCTION warehouse.analyze_warehouse() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET default_statistics_target = 25 AS $$
BEGIN
  ANALYZE warehouse."case", warehouse.victim, warehouse.offender, warehouse.person,
    warehouse.intervention;
END
$$;
REVOKE ALL ON FUNCTION warehouse.analyze_warehouse() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.analyze_warehouse() TO wiqaya_loader;
