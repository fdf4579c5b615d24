-- The SQL that makes a year's table of an analytics fact on another server (a shard:
-- docs/operations.md, "Beyond one machine"), for scripts/shard.sh to run there before
-- analytics.move_year moves the year: the fact's columns, its row-key index (the refresh
-- deletes by it), the loader's grants and the reader's (every column but the row key, as
-- here). The shard is migrated like any Wiqaya database, so the roles exist there.
CREATE OR REPLACE FUNCTION analytics.fact_table_ddl(fact text, year integer) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT format('SET client_min_messages = warning; DROP TABLE IF EXISTS analytics.%1$I; CREATE TABLE analytics.%1$I (%2$s); '
                'CREATE INDEX ON analytics.%1$I (row_key); '
                'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON analytics.%1$I TO wiqaya_loader; '
                'REVOKE ALL ON analytics.%1$I FROM wiqaya_reader; '
                'GRANT SELECT (%3$s) ON analytics.%1$I TO wiqaya_reader;',
                fact || '_' || year, analytics.fact_definition(fact),
                (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
                 FROM pg_attribute
                 WHERE attrelid = ('analytics.' || quote_ident(fact))::regclass AND attnum > 0
                   AND NOT attisdropped AND attname <> 'row_key'))
$$;
REVOKE ALL ON FUNCTION analytics.fact_table_ddl(text, integer) FROM PUBLIC;
