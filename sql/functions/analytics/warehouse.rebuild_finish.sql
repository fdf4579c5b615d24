-- The second half of a full rebuild (warehouse.rebuild_analytics), once the facts are in:
-- the population, any row of a year without its partition moved into one, fresh planner
-- statistics for every table but the facts ANALYSED already (all of them again when rows
-- moved), and the new data version (warehouse.analytics_built), which it returns.
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
  RETURN warehouse.analytics_built(last_month);
END
$$;
REVOKE ALL ON FUNCTION warehouse.rebuild_finish(date, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.rebuild_finish(date, text[]) TO wiqaya_loader;
