-- Moves a year of the analytics facts to another server (docs/operations.md, "Beyond one
-- machine"): each fact table's rows of the year are copied through postgres_fdw into the
-- table analytics.fact_table_ddl made there, then each local partition is replaced by a
-- foreign table of that server, a partition of the same parent. Queries, the column
-- engine's load, the refresh's writes and the rebuild go on through the parent
-- unchanged. Under the refresh lock (no build between the copies and the swaps), in the
-- caller's transaction: the move is whole or not at all here. The copies come first and
-- the swaps last, so the parents are held exclusively only for the swaps and the foreign
-- partitions' statistics, not for the copies; the parents' statistics are taken after
-- the commit (scripts/shard.sh). For the admin only (it is not granted): run by
-- scripts/shard.sh. Returns the rows moved.
--
-- EXECUTE format: the partitions and the server are named by the year and the node, data.
CREATE OR REPLACE FUNCTION analytics.move_year(year integer, node text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t text;
  part text;
  cols text;
  here text[] := '{}';
  n bigint;
  moved bigint := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(warehouse.refresh_lock());
  -- The copies: into a foreign table of the node's table, for each fact with a local
  -- partition of that year (none, or moved already: nothing to do for it).
  FOREACH t IN ARRAY ARRAY['victim_year', 'case_fact', 'offender_year', 'intervention_fact'] LOOP
    part := t || '_' || move_year.year;
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
                              WHERE c.relnamespace = 'analytics'::regnamespace
                                AND c.relname = part AND c.relkind = 'r');
    here := here || t;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute
    WHERE attrelid = ('analytics.' || quote_ident(t))::regclass AND attnum > 0
      AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('CREATE FOREIGN TABLE analytics.%I (%s) SERVER %I '
                   'OPTIONS (schema_name %L, table_name %L)',
                   part || '_remote', analytics.fact_definition(t), node, 'analytics', part);
    EXECUTE format('INSERT INTO analytics.%I (%s) SELECT %s FROM analytics.%I',
                   part || '_remote', cols, cols, part);
    GET DIAGNOSTICS n = ROW_COUNT;
    moved := moved + n;
  END LOOP;
  -- The swaps, each foreign partition's statistics sampled on the node through this
  -- transaction's own connection (warehouse.analyze_analytics leaves foreign partitions
  -- alone): with them a count by year is aggregated on the nodes.
  FOREACH t IN ARRAY here LOOP
    part := t || '_' || move_year.year;
    EXECUTE format('ALTER TABLE analytics.%I DETACH PARTITION analytics.%I', t, part);
    EXECUTE format('DROP TABLE analytics.%I', part);
    EXECUTE format('ALTER FOREIGN TABLE analytics.%I RENAME TO %I', part || '_remote', part);
    EXECUTE format('ALTER TABLE analytics.%I ATTACH PARTITION analytics.%I '
                   'FOR VALUES FROM (%s) TO (%s)', t, part, move_year.year, move_year.year + 1);
    -- As a local partition: the loader writes it, the reader reads the parent only.
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON analytics.%I TO wiqaya_loader', part);
    EXECUTE format('REVOKE ALL ON analytics.%I FROM wiqaya_reader', part);
    EXECUTE format('ANALYZE analytics.%I', part);
  END LOOP;
  RETURN moved;
END
$$;
REVOKE ALL ON FUNCTION analytics.move_year(integer, text) FROM PUBLIC;
