-- The second half of a full rebuild (warehouse.rebuild_analytics), once the facts are in:
-- the population, any row of a year without its partition moved into one, fresh planner
-- statistics for every table but the facts ANALYSED already (all of them again when rows
-- moved) and for the warehouse's, and the new data version (warehouse.analytics_built),
-- which it returns. The warehouse's: a load large enough to be rebuilt whole left them as
-- autovacuum last saw them, perhaps never, and the next small load planned its writes
-- blind and its refresh analysed them first (warehouse.refresh_analytics): 0.9 s of the
-- first 40-case correction after a million cases, where the next took 0.2 s. Those
-- another session holds or waits for are skipped, never waited for (see there).
CREATE OR REPLACE FUNCTION warehouse.rebuild_finish(last_month date, analysed text[])
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics.population
  SELECT year, region, sex, age, analytics.age_band(age), dims, population
  FROM warehouse.population;
  IF analytics.year_partitions() > 0 THEN
    analysed := '{}';
  END IF;
  PERFORM warehouse.analyze_fact(f.fact)
  FROM (SELECT fact FROM warehouse.rebuild_parts(NULL, NULL)
        UNION ALL SELECT 'population') f
  WHERE f.fact <> ALL (analysed);
  PERFORM warehouse.analyze_warehouse(skip_locked => true);
  RETURN warehouse.analytics_built(last_month);
END
$$;
REVOKE ALL ON FUNCTION warehouse.rebuild_finish(date, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.rebuild_finish(date, text[]) TO wiqaya_loader;
