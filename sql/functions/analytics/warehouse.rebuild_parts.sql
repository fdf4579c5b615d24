-- The facts of a full rebuild on several connections (etl/load/rebuild.c), a row each:
-- its table, its columns (its builder's, by name: a fact's table has a column of each
-- name its builder returns) and the query of all its rows for DATA_END and CAP, in
-- row-key order as warehouse.build_analytics inserts them. The query holds its two
-- arguments as literals (the date in ISO form, whatever the session's DateStyle, and an
-- integer), so that it runs as it is on a connection that imported the rebuild's
-- snapshot, as a COPY, which takes no parameter. The same facts as warehouse.build_analytics, which the rebuild in one
-- transaction runs: tests/integration/rebuild.sh holds every row of the two equal.
CREATE OR REPLACE FUNCTION warehouse.rebuild_parts(data_end date, cap integer)
RETURNS TABLE (fact text, columns text, query text)
LANGUAGE sql STABLE AS $$
  SELECT p.fact,
         (SELECT string_agg(quote_ident(a.name), ', ' ORDER BY a.n)
          FROM pg_proc f, unnest(f.proargnames, f.proargmodes) WITH ORDINALITY a (name, mode, n)
          WHERE f.oid = p.builder::regprocedure AND a.mode = 't'),
         format('SELECT * FROM %s r ORDER BY r.row_key',
                format(p.call, to_char(data_end, 'YYYY-MM-DD'), cap))
  -- (the builders by their signatures' text: they may be created after this function)
  FROM (VALUES
    (1, 'victim_year', 'warehouse.victim_years(bigint[], date, integer)',
     'warehouse.victim_years(NULL, %L, %L)'),
    (2, 'case_fact', 'warehouse.case_facts(bigint[], integer)',
     'warehouse.case_facts(NULL, %2$L)'),
    (3, 'offender_year', 'warehouse.offender_years(bigint[], date, integer)',
     'warehouse.offender_years(NULL, %1$L, %2$L)'),
    (4, 'intervention_fact', 'warehouse.intervention_facts(bigint[])',
     'warehouse.intervention_facts(NULL)')) p (n, fact, builder, call)
  ORDER BY p.n
$$;
REVOKE ALL ON FUNCTION warehouse.rebuild_parts(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.rebuild_parts(date, integer) TO wiqaya_loader;
