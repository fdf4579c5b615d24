-- The sources of multiple-systems estimation (docs/methods.md "Hidden victims"): the list
-- each agency belongs to (police, social services, health, the hotline...), as the source
-- column of config/codelists/agencies.csv says. wiqaya-etl migrate keeps the table equal
-- to the file and rebuilds the analytics when it changes (etl/ops/migrate.c).
CREATE TABLE warehouse.agency_source (
  agency text PRIMARY KEY,
  source text NOT NULL
);
-- Read by the loader's builds; written by migrate alone (a change is a rebuild).
REVOKE ALL ON warehouse.agency_source FROM wiqaya_loader;
GRANT SELECT ON warehouse.agency_source TO wiqaya_loader;

-- A child-year's sources: every source whose agencies reported the child that year, in
-- byte order joined by + (health+police); null when none of its agencies has a source.
ALTER TABLE analytics.victim_year ADD COLUMN sources text;
GRANT SELECT (sources) ON analytics.victim_year TO wiqaya_reader;
-- The counting rule returns one more column: a new signature (the file makes it again).
DROP FUNCTION IF EXISTS warehouse.victim_years(bigint[], date, integer);
