-- The kinds of change (new, resubmitted, reclassified, withdrawn) to each year's cases up
-- to a moment, with the time of the last of each kind: a release's revision note names,
-- for a cell of a year, the kinds changed since that year was last measured (since the
-- release that measured it, the years carried between counted). Kinds and times, never
-- how many cases.
CREATE OR REPLACE FUNCTION analytics.case_changes(until timestamptz)
RETURNS TABLE (year smallint, kind text, last_at double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT year, kind, extract(epoch FROM max(at)) FROM warehouse.case_change
  WHERE at <= until GROUP BY year, kind ORDER BY year, kind
$$;
REVOKE ALL ON FUNCTION analytics.case_changes(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.case_changes(timestamptz) TO wiqaya_reader;
