-- Every server answers tokens in the latest period it knows (auth.period): the trigger
-- period_started tells them of a new one at commit, with the row, as
-- "id data_version calendar" (common/version.c hears it). Created here, beside its
-- function, since a migration cannot name a function before it exists.
CREATE OR REPLACE FUNCTION auth.period_started() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wiqaya_period', NEW.id || ' ' || NEW.data_version || ' ' || NEW.calendar);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION auth.period_started() FROM PUBLIC;
CREATE OR REPLACE TRIGGER period_started AFTER INSERT ON auth.period
  FOR EACH ROW EXECUTE FUNCTION auth.period_started();
