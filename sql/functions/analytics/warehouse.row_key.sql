-- Row keys: which analytics row came from which person-year (or case), so that a refresh
-- can replace exactly the rows of what changed. 16 bytes (the 32-bit record keys collide
-- within a year of a large warehouse), from the person's salt and the year like the
-- record key, under another label: rows of one person in two years share nothing.
-- STABLE, as convert_to is: declared IMMUTABLE, the function was not inlined into the
-- rebuild's queries, and each call cost 2.8 times the expression's work.
CREATE OR REPLACE FUNCTION warehouse.row_key(salt bytea, fact text, year integer) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT substr(sha256(salt || convert_to('row:' || fact || ':' || year, 'UTF8')), 1, 16)
$$;
REVOKE ALL ON FUNCTION warehouse.row_key(bytea, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.row_key(bytea, text, integer) TO wiqaya_loader;
