-- A server may keep checked tokens in memory (common/token.h) only if it hears of every
-- change to them: any update (revocation, a new expiry), delete or truncate of
-- auth.token notifies wiqaya_tokens at commit, whoever makes it (the token command, or
-- an administrator in psql), and the servers drop what they hold.
CREATE FUNCTION auth.tokens_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wiqaya_tokens', '');
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION auth.tokens_changed() FROM PUBLIC;

CREATE TRIGGER tokens_changed AFTER UPDATE OR DELETE OR TRUNCATE ON auth.token
  FOR EACH STATEMENT EXECUTE FUNCTION auth.tokens_changed();
