-- The privacy budget's charge in one statement (server/ledger.c): a repeated query, whose
-- every cell the token has seen, reads the ledger without taking the token's lock; a query
-- with a new cell takes it, counts again under it, and records the cells and the epsilon,
-- or refuses when the budget cannot pay (recording nothing). One round trip instead of
-- five: the ledger was most of a cached answer's time. The budget is the token's own when
-- an admin set one (a project's), else the role's default the server passes; a dry run
-- records nothing and takes no lock.
CREATE OR REPLACE FUNCTION auth.charge(t integer, cells bytea[], eps double precision,
                                       role_budget double precision, days integer,
                                       dry boolean)
RETURNS TABLE (new_cells bigint, spent double precision, charged double precision,
               budget double precision)
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  s double precision;
  b double precision;
BEGIN
  SELECT coalesce(tk.budget, role_budget) INTO b FROM auth.token tk WHERE tk.token_id = t;
  b := coalesce(b, role_budget);
  SELECT count(*) INTO n FROM unnest(cells) c
    WHERE NOT EXISTS (SELECT 1 FROM auth.released r WHERE r.token_id = t AND r.cell = c);
  IF n > 0 AND NOT dry THEN
    PERFORM 1 FROM auth.token WHERE token_id = t FOR UPDATE;
    SELECT count(*) INTO n FROM unnest(cells) c
      WHERE NOT EXISTS (SELECT 1 FROM auth.released r WHERE r.token_id = t AND r.cell = c);
  END IF;
  SELECT coalesce(sum(epsilon), 0) INTO s FROM auth.spend
    WHERE token_id = t AND at > now() - make_interval(days => days);
  IF n = 0 THEN
    RETURN QUERY SELECT 0::bigint, s, 0::double precision, b;
  ELSIF s + eps > b + 1e-9 THEN
    RETURN QUERY SELECT n, s, -1::double precision, b; -- refused
  ELSIF dry THEN
    RETURN QUERY SELECT n, s, eps, b;
  ELSE
    INSERT INTO auth.released (token_id, cell) SELECT t, c FROM unnest(cells) c
      ON CONFLICT DO NOTHING;
    INSERT INTO auth.spend (token_id, epsilon) VALUES (t, eps);
    RETURN QUERY SELECT n, s, eps, b;
  END IF;
END
$$;
REVOKE ALL ON FUNCTION auth.charge(integer, bytea[], double precision, double precision, integer,
                                   boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.charge(integer, bytea[], double precision, double precision, integer,
                                      boolean) TO wiqaya_reader;
