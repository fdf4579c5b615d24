-- Makes the partition of year Y of the analytics fact T (migration 023), with the
-- loader's grants, unless it exists (a local table or a foreign one): returns whether it
-- made it. The default partition must hold no row of that year (PostgreSQL checks it, a
-- scan of the default): analytics.year_partitions moves them aside first; the rebuild
-- makes the warehouse's years before it fills the tables, when the default is empty.
--
-- Creating a table needs the schema's owner: SECURITY DEFINER, for the loader, able to do
-- nothing else. EXECUTE format: the partitions are named by the year, data.
CREATE OR REPLACE FUNCTION analytics.year_partition(t text, y integer) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF t NOT IN ('victim_year', 'case_fact', 'offender_year', 'intervention_fact')
     OR y NOT BETWEEN 1900 AND 2200 THEN
    RAISE EXCEPTION 'analytics.year_partition: no fact %, or no year %', t, y;
  END IF;
  IF to_regclass(format('analytics.%I', t || '_' || y)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE analytics.%I PARTITION OF analytics.%I '
                 'FOR VALUES FROM (%s) TO (%s)', t || '_' || y, t, y, y + 1);
  -- The loader's grants, as the parent's; none for the reader, which reads the parent's
  -- columns but the row key (the schema's default privileges would give it every column
  -- of the partition).
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON analytics.%I '
                 'TO wiqaya_loader', t || '_' || y);
  EXECUTE format('REVOKE ALL ON analytics.%I FROM wiqaya_reader', t || '_' || y);
  RETURN true;
END
$$;
REVOKE ALL ON FUNCTION analytics.year_partition(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.year_partition(text, integer) TO wiqaya_loader;
