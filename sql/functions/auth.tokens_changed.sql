-- A server may keep checked tokens in memory (common/token.h) only if it hears of every
-- change to them: the trigger tokens_changed (migration 009) calls this after any update,
-- delete or truncate of auth.token, whoever makes it (the token command, or an
-- administrator in psql), and the servers drop what they hold at commit.
CREATE OR REPLACE FUNCTION auth.tokens_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wiqaya_tokens', '');
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION auth.tokens_changed() FROM PUBLIC;
