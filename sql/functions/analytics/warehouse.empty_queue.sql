-- Empties the refresh queue once its changes are in the analytics, and records, for the
-- data version being made, the first year they may reach (analytics.year_change,
-- migration 030: the noise's epochs), in one statement, so that what it records is what
-- it deletes whatever the isolation. Called under the refresh lock by the refresh and
-- the full rebuild; warehouse.analytics_built stamps the version.
CREATE OR REPLACE FUNCTION warehouse.empty_queue() RETURNS void
LANGUAGE sql AS $$
  WITH gone AS (DELETE FROM warehouse.refresh_queue RETURNING from_year)
  INSERT INTO analytics.year_change (from_year, version)
  SELECT min(from_year), NULL FROM gone HAVING min(from_year) IS NOT NULL
  ON CONFLICT (from_year) DO UPDATE SET version = NULL
$$;
REVOKE ALL ON FUNCTION warehouse.empty_queue() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.empty_queue() TO wiqaya_loader;
