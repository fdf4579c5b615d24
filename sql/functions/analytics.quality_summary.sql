-- The national summary of the agencies' data quality (docs/operations.md, "Data quality"),
-- which the dashboard's methods page shows to everyone: over the last twelve months of
-- reports, the agencies that reported, those with a month without a case, the median
-- months from the abuse to the report and from the report to its submission; and the share
-- of the records submitted in the last twelve months that were rejected. Aggregates over
-- agencies and thousands of cases, never a count of children: for the reader, which reads
-- no warehouse table, these figures and nothing else.
CREATE OR REPLACE FUNCTION analytics.quality_summary()
RETURNS TABLE (since text, until text, agencies bigint, agencies_with_gaps bigint,
               median_months_abuse_to_report double precision,
               median_months_report_to_submission double precision,
               rejected_share double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH span AS (
    SELECT (date_trunc('month', max(reported)) - interval '11 months')::date AS since,
           date_trunc('month', max(reported))::date AS until
    FROM warehouse."case"
  ), recent AS (
    SELECT c.agency, c.reported, c.incident, b.loaded_at
    FROM warehouse."case" c JOIN warehouse.batch b USING (batch_id), span
    WHERE c.reported >= span.since
  ), months AS (
    SELECT agency, count(DISTINCT date_trunc('month', reported)) AS n FROM recent GROUP BY agency
  )
  SELECT to_char(span.since, 'YYYY-MM'), to_char(span.until, 'YYYY-MM'),
         (SELECT count(*) FROM months),
         (SELECT count(*) FROM months WHERE n < 12),
         -- (A median of fewer than 10 cases is no summary: one case's own delay.)
         (SELECT CASE WHEN count(*) >= 10 THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY
            ((extract(year FROM reported) - extract(year FROM incident)) * 12
             + extract(month FROM reported) - extract(month FROM incident))::float8) END
          FROM recent WHERE incident IS NOT NULL),
         (SELECT CASE WHEN count(*) >= 10 THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY
            ((extract(year FROM loaded_at) - extract(year FROM reported)) * 12
             + extract(month FROM loaded_at) - extract(month FROM reported))::float8) END
          FROM recent),
         -- The records of the loads since the twelve months began (not since now: the
         -- answer is kept per data version, and the clock moves on without one).
         (SELECT sum(b.rejected)::float8 / nullif(sum(b.records), 0)
          FROM warehouse.batch b WHERE b.loaded_at >= span.since)
  FROM span
$$;
REVOKE ALL ON FUNCTION analytics.quality_summary() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.quality_summary() TO wiqaya_reader;
