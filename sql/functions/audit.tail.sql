-- The loader appends to the audit chain without reading the log: the chain's tail (the
-- last row's seq and hash, what a new row is chained to) comes from this function, never
-- a row's body (common/audit_chain.h).
CREATE OR REPLACE FUNCTION audit.tail(OUT seq bigint, OUT hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT seq, hash FROM audit.log ORDER BY seq DESC LIMIT 1
$$;
REVOKE ALL ON FUNCTION audit.tail() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.tail() TO wiqaya_loader, wiqaya_reader;
