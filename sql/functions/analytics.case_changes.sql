-- The kinds of change (new, resubmitted, reclassified, withdrawn) to each year's cases
-- between two moments: a release's revision note names them as the reasons a published
-- cell of the year moved. Kinds, never how many cases.
CREATE OR REPLACE FUNCTION analytics.case_changes(since timestamptz, until timestamptz)
RETURNS TABLE (year smallint, kind text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT DISTINCT year, kind FROM warehouse.case_change
  WHERE at > since AND at <= until ORDER BY year, kind
$$;
REVOKE ALL ON FUNCTION analytics.case_changes(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.case_changes(timestamptz, timestamptz) TO wiqaya_reader;
