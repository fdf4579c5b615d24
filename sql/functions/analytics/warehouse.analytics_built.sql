-- The tables' bookkeeping after a build: the new data version (notified to the servers
-- at commit), the years the facts span and the last month of the data. Returns the
-- version.
CREATE OR REPLACE FUNCTION warehouse.analytics_built(last_month date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
  c_lo smallint; c_hi smallint; i_lo smallint; i_hi smallint;
BEGIN
  SELECT min(year), max(year) INTO c_lo, c_hi FROM analytics.case_fact;
  SELECT min(year), max(year) INTO i_lo, i_hi FROM analytics.intervention_fact;
  UPDATE analytics.data_version SET version = version + 1, rebuilt_at = now(),
    first_year = c_lo, last_year = c_hi,
    year_lo = least(c_lo, i_lo), year_hi = greatest(c_hi, i_hi),
    last_month = analytics_built.last_month
  RETURNING version INTO v;
  -- The years this version's changes may reach (warehouse.empty_queue).
  UPDATE analytics.year_change SET version = v WHERE version IS NULL;
  PERFORM pg_notify('wiqaya_data_version', v::text);
  RETURN v;
END
$$;
REVOKE ALL ON FUNCTION warehouse.analytics_built(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.analytics_built(date) TO wiqaya_loader;
