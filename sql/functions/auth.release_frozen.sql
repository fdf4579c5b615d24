-- A published release never changes (docs/releases.md): the database refuses any change
-- to it, its tables or its populations, whoever asks (the release command, or an
-- administrator in psql); and nothing is added to a release once complete. The triggers
-- are created here, beside their function, as tokens_changed's are.
CREATE OR REPLACE FUNCTION auth.release_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'release' THEN
    IF OLD.published_at IS NOT NULL THEN
      RAISE EXCEPTION 'release % is published and cannot change', OLD.id;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF EXISTS (SELECT 1 FROM auth.release r
             WHERE r.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.release ELSE OLD.release END
               AND (r.published_at IS NOT NULL OR (TG_OP = 'INSERT' AND r.complete))) THEN
    RAISE EXCEPTION 'release % is complete or published and cannot change',
      CASE WHEN TG_OP = 'INSERT' THEN NEW.release ELSE OLD.release END;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE OR REPLACE TRIGGER frozen BEFORE UPDATE OR DELETE ON auth.release
  FOR EACH ROW EXECUTE FUNCTION auth.release_frozen();
CREATE OR REPLACE TRIGGER frozen BEFORE INSERT OR UPDATE OR DELETE ON auth.release_table
  FOR EACH ROW EXECUTE FUNCTION auth.release_frozen();
CREATE OR REPLACE TRIGGER frozen BEFORE INSERT OR UPDATE OR DELETE ON auth.release_population
  FOR EACH ROW EXECUTE FUNCTION auth.release_frozen();
REVOKE ALL ON FUNCTION auth.release_frozen() FROM PUBLIC;
