-- The analytics facts partitioned by year (docs/operations.md, "Beyond one machine"):
-- declarative range partitions, one a year (analytics.year_partitions makes them as the
-- data reach a new year) and a default one that catches a year before its partition
-- exists. A year's partition can then live on another PostgreSQL server, as a
-- postgres_fdw foreign table (scripts/shard.sh), and the queries of the server and the
-- column engine's load read the parent unchanged.
--
-- The facts are derived: each table is made anew, empty, with the same columns,
-- defaults, generated column and checks, and the rebuild that `wiqaya-etl migrate` runs
-- after it (the builders changed with it) fills them from the warehouse. The indexes on
-- the year of two of them go: a partition a year prunes better. The warehouse
-- itself stays unpartitioned: its keys (a case, a person) span the years, and linkage
-- must see every year at once.
DO $$
DECLARE
  t text;
  cols text;
BEGIN
  -- EXECUTE format: the same statements for four tables, whose names are data here.
  FOREACH t IN ARRAY ARRAY['victim_year', 'case_fact', 'offender_year', 'intervention_fact'] LOOP
    EXECUTE format('CREATE TABLE analytics.%I (LIKE analytics.%I INCLUDING DEFAULTS '
                   'INCLUDING GENERATED INCLUDING CONSTRAINTS) PARTITION BY RANGE (year)',
                   t || '_partitioned', t);
    EXECUTE format('DROP TABLE analytics.%I', t);
    EXECUTE format('ALTER TABLE analytics.%I RENAME TO %I', t || '_partitioned', t);
    EXECUTE format('CREATE TABLE analytics.%I PARTITION OF analytics.%I DEFAULT',
                   t || '_default', t);
    EXECUTE format('CREATE INDEX ON analytics.%I (row_key)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON analytics.%I, '
                   'analytics.%I TO wiqaya_loader', t, t || '_default');
    -- The reader: every column but the row key, on the parent (a query through the
    -- parent is checked there alone), and nothing of a partition (the schema's default
    -- privileges would give it every column).
    EXECUTE format('REVOKE ALL ON analytics.%I, analytics.%I FROM wiqaya_reader', t, t || '_default');
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = format('analytics.%I', t)::regclass AND attnum > 0
      AND NOT attisdropped AND attname <> 'row_key';
    EXECUTE format('GRANT SELECT (%s) ON analytics.%I TO wiqaya_reader', cols, t);
  END LOOP;
END
$$;
