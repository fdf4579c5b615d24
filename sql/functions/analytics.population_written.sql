-- A write of analytics.population (a refresh that loads a new population, a rebuild)
-- records the data version its transaction is making (analytics_built adds one at its
-- end) as the population's: a column engine answering in an older period's version may
-- then read populations unchanged since, and not those written after (server/exact.c).
-- Should the version move more than once in that transaction, the population's is still
-- after every older version, which is all the server asks of it. Created here, beside its
-- function, since a migration cannot name a function before it exists.
CREATE OR REPLACE FUNCTION analytics.population_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE analytics.data_version SET population_version = version + 1;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION analytics.population_written() FROM PUBLIC;
CREATE OR REPLACE TRIGGER population_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON analytics.population FOR EACH STATEMENT EXECUTE FUNCTION analytics.population_written();
