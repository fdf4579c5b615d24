-- A change of the census (warehouse.population: a population load) records the data
-- version that will show it as the population's: the version its refresh makes, one
-- after today's (the refresh bumps the version once). A column engine answering in an
-- older period's version then reads the analytics population while it is unchanged since
-- (server/exact.c): a rebuild, which writes analytics.population again with the same
-- rows, starts no period (a cold review found that it did, and that whether a rebuild
-- runs depends on merges). The update takes the version's row lock: a refresh committing
-- meanwhile is waited for, and counted. Created here, beside its function, since a
-- migration cannot name a function before it exists.
CREATE OR REPLACE FUNCTION warehouse.population_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE analytics.data_version SET population_version = version + 1;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION warehouse.population_written() FROM PUBLIC;
CREATE OR REPLACE TRIGGER population_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON warehouse.population FOR EACH STATEMENT EXECUTE FUNCTION warehouse.population_written();
