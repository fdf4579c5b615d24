-- Fresh planner statistics for an analytics table (FACT: a fact of
-- warehouse.rebuild_parts, or population), which a rebuild has just emptied and
-- filled again: after TRUNCATE the planner takes it for empty until autovacuum's analyse
-- comes by, and chooses plans for empty tables (a fresh 4-dimension table took 677 ms
-- instead of 176 ms in the meantime). Run in the rebuild's transaction, ANALYZE samples
-- its own new rows, and the statistics are published with them at commit. The rebuild on
-- several connections analyses each fact as soon as it is in, while the others are built
-- (etl/load/rebuild.c); warehouse.analyze_analytics analyses them all.
-- ANALYZE needs the tables' owner: SECURITY DEFINER, for the loader, able to do nothing
-- else (FACT is one of the five, or an error). It samples at a statistics target of 10,
-- not 100: 3,000 rows a table and each of its year partitions, and up to 10 most common
-- values a column (the facts' columns are codes, years and flags, whose other values share
-- what the ten leave). The analyses are CPU on the rebuild's path, the victim-years' on its
-- tail: the first load of 80,000 cases spent 1.4 s of its 8 s here at 100, 0.95 s at 25;
-- on 2026-12-07 its refresh took 2.61-2.84 s at 10 against 3.12-4.13 at 25 (alternated,
-- 3 pairs), a partition of the victim-years 46 ms at 25, 19 of them its three arrays'
-- element statistics. The SQL path's answers were no slower: 26 tables on the demo
-- country (whole-table filters, multi-valued dimensions, rates), 0.72-0.75 s at 10 against
-- 0.73-0.79 at 25. Autovacuum's later analyses take the cluster's default.
--
-- A fact with years on other servers (scripts/shard.sh) has its partitions here analysed
-- one by one, never the foreign ones nor the parent (which samples them): the owner
-- reaches a node through its own connection, in a transaction of its own there, which
-- would wait for the loader's TRUNCATE of the node's table, uncommitted until this
-- transaction commits: a deadlock across servers that no server can see. Each node
-- analyses its own tables (autovacuum); the coordinator's statistics of them are taken
-- by a move and by `scripts/shard.sh analyze`, outside a rebuild. Outside the counting rules
-- (sql/functions/analytics/): changing it changes no row. EXECUTE format: the partitions
-- are named by their year, data.
CREATE OR REPLACE FUNCTION warehouse.analyze_fact(fact text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET default_statistics_target = 10 AS $$
DECLARE
  p text;
BEGIN
  IF fact IS NULL OR (fact <> 'population' AND fact NOT IN
      (SELECT f.fact FROM warehouse.rebuild_parts(NULL, NULL) f)) THEN
    RAISE EXCEPTION 'warehouse.analyze_fact: not an analytics table: %', fact;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = ('analytics.' || fact)::regclass AND c.relkind = 'f') THEN
    FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = ('analytics.' || fact)::regclass AND c.relkind = 'r' LOOP
      EXECUTE format('ANALYZE analytics.%I', p);
    END LOOP;
  ELSE
    EXECUTE format('ANALYZE analytics.%I', fact);
  END IF;
END
$$;
REVOKE ALL ON FUNCTION warehouse.analyze_fact(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.analyze_fact(text) TO wiqaya_loader;
