-- An analytics fact table's definition as CREATE TABLE lists it (each column's name, type,
-- NOT NULL and a generated column's expression; the table's checks), for the same table
-- made elsewhere: a year's table on another server (analytics.fact_table_ddl) and its
-- foreign table here (analytics.move_year), which must carry the parent's checks to be
-- one of its partitions.
CREATE OR REPLACE FUNCTION analytics.fact_definition(fact text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT concat_ws(', ',
    (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
                       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                       || CASE WHEN a.attgenerated = 's'
                               THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                               ELSE '' END,
                       ', ' ORDER BY a.attnum)
     FROM pg_attribute a
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = ('analytics.' || quote_ident(fact))::regclass AND a.attnum > 0
       AND NOT a.attisdropped),
    (SELECT string_agg(format('CONSTRAINT %I %s', conname, pg_get_constraintdef(oid)), ', ' ORDER BY conname)
     FROM pg_constraint
     WHERE conrelid = ('analytics.' || quote_ident(fact))::regclass AND contype = 'c'))
$$;
REVOKE ALL ON FUNCTION analytics.fact_definition(text) FROM PUBLIC;
