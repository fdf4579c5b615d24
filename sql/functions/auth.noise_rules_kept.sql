-- A noise key keeps its floor_spread (server/noise.c, noise_rules_check): the server's role
-- may record it once, where a key recorded before the floor was raised has none
-- (migration 028: the role may update that column alone), and nobody changes it after.
-- The trigger is created here, beside its function.
CREATE OR REPLACE FUNCTION auth.noise_rules_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.floor_spread IS NOT NULL AND NEW.floor_spread IS DISTINCT FROM OLD.floor_spread THEN
    RAISE EXCEPTION 'a noise key keeps the floor_spread it published under';
  END IF;
  RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER kept BEFORE UPDATE ON auth.noise_rules
  FOR EACH ROW EXECUTE FUNCTION auth.noise_rules_kept();
REVOKE ALL ON FUNCTION auth.noise_rules_kept() FROM PUBLIC;
