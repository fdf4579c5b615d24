-- Both programs check tokens through this function (the intake too, as the loader, which
-- cannot read auth.token): the row of a keyed hash, never the table.
CREATE OR REPLACE FUNCTION auth.lookup(h bytea)
RETURNS TABLE (token_id integer, role text, agency text, expires_at timestamptz,
               revoked_at timestamptz, hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT t.token_id, t.role, t.agency, t.expires_at, t.revoked_at, t.hash
  FROM auth.token t WHERE t.hash = h
$$;
REVOKE ALL ON FUNCTION auth.lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.lookup(bytea) TO wiqaya_loader, wiqaya_reader;
