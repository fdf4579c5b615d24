-- The privacy budget's charge (server/ledger.c), in one statement. The server sends the
-- cells of the answer that the token's rows up to `after` do not hold (server/seen.c
-- keeps them in memory). Under the token's lock (not taken by a dry run, nor when no cell
-- is sent), rows after
-- `after` mean the server's copy is behind (another server charged the token): they are
-- returned, nothing is recorded, and the server merges them and asks again. Otherwise the
-- cells sent are exactly the new ones: none, and the query is free; else the budget pays
-- for them or refuses (recording nothing), and a charge records them as one row. The
-- budget is the token's own when an admin set one, else the role's default the server
-- passes. Columns: the row recorded (or the last row returned), its cells (the rows to
-- merge; NULL otherwise), the spend in the window before this query, the epsilon charged
-- (-1 refused; NULL: merge and ask again) and the budget.
CREATE OR REPLACE FUNCTION auth.charge(t integer, after bigint, cells bytea,
                                       eps double precision, role_budget double precision,
                                       days integer, dry boolean)
RETURNS TABLE (id bigint, released bytea, spent double precision, charged double precision,
               budget double precision)
LANGUAGE plpgsql AS $$
DECLARE
  s double precision;
  b double precision;
  recorded bigint;
BEGIN
  SELECT coalesce(tk.budget, role_budget) INTO b FROM auth.token tk WHERE tk.token_id = t;
  b := coalesce(b, role_budget);
  IF length(cells) > 0 AND NOT dry THEN
    PERFORM 1 FROM auth.token WHERE token_id = t FOR UPDATE;
  END IF;
  IF EXISTS (SELECT 1 FROM auth.released r WHERE r.token_id = t AND r.id > after) THEN
    RETURN QUERY SELECT r.id, r.cells, NULL::double precision, NULL::double precision, b
      FROM auth.released r WHERE r.token_id = t AND r.id > after ORDER BY r.id;
    RETURN;
  END IF;
  SELECT coalesce(sum(epsilon), 0) INTO s FROM auth.spend
    WHERE token_id = t AND at > now() - make_interval(days => days);
  IF length(cells) = 0 THEN
    RETURN QUERY SELECT after, NULL::bytea, s, 0::double precision, b;
  ELSIF s + eps > b + 1e-9 THEN
    RETURN QUERY SELECT after, NULL::bytea, s, -1::double precision, b; -- refused
  ELSIF dry THEN
    RETURN QUERY SELECT after, NULL::bytea, s, eps, b;
  ELSE
    INSERT INTO auth.released (token_id, cells) VALUES (t, cells) RETURNING auth.released.id
      INTO recorded;
    INSERT INTO auth.spend (token_id, epsilon) VALUES (t, eps);
    RETURN QUERY SELECT recorded, NULL::bytea, s, eps, b;
  END IF;
END
$$;
REVOKE ALL ON FUNCTION auth.charge(integer, bigint, bytea, double precision, double precision,
                                   integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.charge(integer, bigint, bytea, double precision,
                                      double precision, integer, boolean) TO wiqaya_reader;
