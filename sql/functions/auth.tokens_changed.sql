-- A server may keep checked tokens in memory (common/token.h) only if it hears of every
-- change to them: the trigger tokens_changed calls this after any update, delete or
-- truncate of auth.token, whoever makes it (the token command, or an administrator in
-- psql), and the servers drop what they hold at commit. The trigger is created here,
-- beside its function, since a migration cannot name a function before it exists.
CREATE OR REPLACE FUNCTION auth.tokens_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wiqaya_tokens', '');
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION auth.tokens_changed() FROM PUBLIC;
CREATE OR REPLACE TRIGGER tokens_changed AFTER UPDATE OR DELETE OR TRUNCATE ON auth.token
  FOR EACH STATEMENT EXECUTE FUNCTION auth.tokens_changed();
