-- Fresh planner statistics for the analytics tables, which a rebuild has just emptied and
-- filled again: after TRUNCATE the planner takes them for empty until autovacuum's
-- analyse comes by, and chooses plans for empty tables (a fresh 4-dimension table took
-- 677 ms instead of 176 ms in the meantime). Run in the rebuild's transaction, ANALYZE
-- samples its own new rows, and the statistics are published with them at commit.
-- ANALYZE needs the tables' owner: SECURITY DEFINER, for the loader, able to do nothing
-- else.
CREATE OR REPLACE FUNCTION warehouse.analyze_analytics() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  ANALYZE analytics.victim_year, analytics.case_fact, analytics.offender_year,
          analytics.intervention_fact, analytics.population;
END
$$;
REVOKE ALL ON FUNCTION warehouse.analyze_analytics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.analyze_analytics() TO wiqaya_loader;
