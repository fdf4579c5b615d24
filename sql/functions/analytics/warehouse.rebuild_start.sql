-- The first half of a full rebuild (warehouse.rebuild_analytics): under the refresh lock,
-- the queue emptied, the analytics tables emptied and given the partitions of the cases'
-- years. Returns the data's last month (outcomes whose 12-month window passes it are
-- censored) and the item cap, the builders' arguments (warehouse.rebuild_parts).
CREATE OR REPLACE FUNCTION warehouse.rebuild_start(OUT last_month date, OUT cap integer)
LANGUAGE plpgsql AS $$
DECLARE
  first_month date;
BEGIN
  PERFORM pg_advisory_xact_lock(warehouse.refresh_lock());
  -- The queue as this statement sees it: every later statement sees at least as much.
  PERFORM warehouse.empty_queue();
  SELECT min(reported), max(reported) INTO first_month, last_month FROM warehouse."case";
  SELECT item_cap INTO cap FROM analytics.data_version;
  TRUNCATE analytics.victim_year, analytics.case_fact, analytics.offender_year,
           analytics.intervention_fact, analytics.population;
  -- The partitions of the cases' years before the build fills them: rows of a year
  -- without one wait in the default partition, and moving them after costs three scans of
  -- it a year (1 s of the first load of 80,000 cases); analytics.year_partitions (in
  -- warehouse.rebuild_finish) still moves any row of another year.
  PERFORM analytics.year_partition(t, y::int)
  FROM unnest(ARRAY['victim_year', 'case_fact', 'offender_year', 'intervention_fact']) t,
       generate_series(extract(year FROM first_month)::int,
                       extract(year FROM last_month)::int) y;
END
$$;
REVOKE ALL ON FUNCTION warehouse.rebuild_start() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.rebuild_start() TO wiqaya_loader;
