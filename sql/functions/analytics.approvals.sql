-- The agencies' approvals (docs/releases.md), for the server's releases: which agency
-- approved which year of its cases, and whether a later change reopened it. No count of
-- anything: the reader, which reads no warehouse table, learns these and nothing else.
CREATE OR REPLACE FUNCTION analytics.approvals()
RETURNS TABLE (agency text, year smallint, approved_at timestamptz,
               reopened_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT agency, year, approved_at, reopened_at
  FROM warehouse.approval ORDER BY agency, year
$$;
REVOKE ALL ON FUNCTION analytics.approvals() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.approvals() TO wiqaya_reader;

