-- A record key per person, fact and year, from the person's random salt (readable by the
-- loader only): the cell keys of disclosure control sum them, and rows of one child do
-- not link across years or facts.
-- STABLE, as convert_to is: declared IMMUTABLE, the function was not inlined into the
-- rebuild's queries, and each call cost 2.8 times the expression's work.
CREATE OR REPLACE FUNCTION warehouse.year_key(salt bytea, fact text, year integer) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ('x' || encode(substr(sha256(salt || convert_to(fact || ':' || year, 'UTF8')), 1, 4),
                        'hex'))::bit(32)::bigint
$$;
REVOKE ALL ON FUNCTION warehouse.year_key(bytea, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.year_key(bytea, text, integer) TO wiqaya_loader;
