-- Gives each year of the analytics facts its own partition (migration 023): the rows a
-- build put in a table's default partition, for a year that had none, move into a new
-- partition of that year (analytics.year_partition). Called by the rebuild and the
-- refresh after they build, in their transaction; a year that has a partition (local, or
-- a foreign table on another server) gets its rows there directly. Returns the
-- partitions made.
--
-- Moving rows needs the tables' owner: SECURITY DEFINER, for the loader, able to do
-- nothing else. EXECUTE format: the tables and partitions are named by the year, data.
CREATE OR REPLACE FUNCTION analytics.year_partitions() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t text;
  y integer;
  cols text;
  made integer := 0;
BEGIN
  FOREACH t IN ARRAY ARRAY['victim_year', 'case_fact', 'offender_year', 'intervention_fact'] LOOP
    -- The columns a row is inserted with: all but the generated ones (computed again).
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = format('analytics.%I', t)::regclass AND attnum > 0
      AND NOT attisdropped AND attgenerated = '';
    FOR y IN EXECUTE format('SELECT DISTINCT year FROM analytics.%I ORDER BY 1', t || '_default') LOOP
      -- A partition cannot be made while the default holds rows of its range: they wait
      -- aside, and go back through the parent.
      EXECUTE format('CREATE TEMP TABLE year_moving ON COMMIT DROP AS '
                     'SELECT %s FROM analytics.%I WHERE year = %s', cols, t || '_default', y);
      EXECUTE format('DELETE FROM analytics.%I WHERE year = %s', t || '_default', y);
      PERFORM analytics.year_partition(t, y);
      EXECUTE format('INSERT INTO analytics.%I (%s) SELECT %s FROM year_moving', t, cols, cols);
      DROP TABLE year_moving;
      made := made + 1;
    END LOOP;
  END LOOP;
  RETURN made;
END
$$;
REVOKE ALL ON FUNCTION analytics.year_partitions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.year_partitions() TO wiqaya_loader;
