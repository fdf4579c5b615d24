-- The SQL that makes a year's table of an analytics fact on another server (a node:
-- docs/operations.md, "Beyond one machine"), for scripts/shard.sh to run there before
-- analytics.move_year moves the year: the fact's columns, its row-key index (the refresh
-- deletes by it), the loader's grants and the reader's (every column but the row key, as
-- here). The node is migrated like any Wiqaya database, so the roles exist there. It
-- never drops a table: a table of that name that holds rows (a year moved there
-- already, by this coordinator or another, or a move that failed after its copy) stops
-- it, and the operator decides.
CREATE OR REPLACE FUNCTION analytics.fact_table_ddl(fact text, year integer) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT format('SET client_min_messages = warning; '
                'CREATE TABLE IF NOT EXISTS analytics.%1$I (%2$s); '
                'DO $do$ BEGIN IF EXISTS (SELECT 1 FROM analytics.%1$I) THEN '
                'RAISE EXCEPTION %4$L; END IF; END $do$; '
                'CREATE INDEX IF NOT EXISTS %5$I ON analytics.%1$I (row_key); '
                'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON analytics.%1$I TO wiqaya_loader; '
                'REVOKE ALL ON analytics.%1$I FROM wiqaya_reader; '
                'GRANT SELECT (%3$s) ON analytics.%1$I TO wiqaya_reader;',
                fact || '_' || year, analytics.fact_definition(fact),
                (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
                 FROM pg_attribute
                 WHERE attrelid = ('analytics.' || quote_ident(fact))::regclass AND attnum > 0
                   AND NOT attisdropped AND attname <> 'row_key'),
                format('analytics.%s on this node holds rows already: a move copies into an '
                       'empty table only (empty or drop it, if it is a failed move''s copy)',
                       fact || '_' || year),
                fact || '_' || year || '_row_key_idx')
$$;
REVOKE ALL ON FUNCTION analytics.fact_table_ddl(text, integer) FROM PUBLIC;
