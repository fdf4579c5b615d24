-- Rebuilds every analytics table from the warehouse in the caller's transaction (batch
-- loads, rekey, retention, wiqaya-etl refresh, and wiqaya-etl migrate when a builder
-- changed): what was queued is shown by it, with fresh planner statistics
-- (warehouse.analyze_analytics). Returns the new data version.
--
-- No nested loops: a rebuild reads whole tables, and hash joins are right for every one
-- of its statements. The planner chooses nested loops when the warehouse's statistics say
-- its tables are empty (autovacuum analysed them before the first load committed), and
-- then the rebuild of 7,000 victims took 150 s; a million would take days.
CREATE OR REPLACE FUNCTION warehouse.rebuild_analytics() RETURNS bigint
LANGUAGE plpgsql SET enable_nestloop = off AS $$
DECLARE
  first_month date;
  last_month date;
  cap integer;
BEGIN
  PERFORM pg_advisory_xact_lock(warehouse.refresh_lock());
  -- The queue as this statement sees it: every later statement sees at least as much.
  DELETE FROM warehouse.refresh_queue;
  -- The data end here: outcomes whose 12-month window passes this month are censored.
  SELECT min(reported), max(reported) INTO first_month, last_month FROM warehouse."case";
  SELECT item_cap INTO cap FROM analytics.data_version;
  TRUNCATE analytics.victim_year, analytics.case_fact, analytics.offender_year,
           analytics.intervention_fact, analytics.population;
  -- The partitions of the cases' years before the build fills them: rows of a year
  -- without one wait in the default partition, and moving them after costs three scans of
  -- it a year (1 s of the first load of 80,000 cases); analytics.year_partitions below
  -- still moves any row of another year.
  PERFORM analytics.year_partition(t, y::int)
  FROM unnest(ARRAY['victim_year', 'case_fact', 'offender_year', 'intervention_fact']) t,
       generate_series(extract(year FROM first_month)::int,
                       extract(year FROM last_month)::int) y;
  PERFORM warehouse.build_analytics(NULL, NULL, last_month, cap);
  INSERT INTO analytics.population
  SELECT year, region, sex, age, analytics.age_band(age), dims, population
  FROM warehouse.population;
  PERFORM analytics.year_partitions();
  PERFORM warehouse.analyze_analytics();
  RETURN warehouse.analytics_built(last_month);
END
$$;
REVOKE ALL ON FUNCTION warehouse.rebuild_analytics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.rebuild_analytics() TO wiqaya_loader;
