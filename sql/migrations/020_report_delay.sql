-- A child-year's report delay (docs/methods.md "Late reports"): the calendar years from
-- the incident month of its first case of the year to the report, 5+ beyond four, null
-- when unknown or already reported in an earlier year: the development of the nowcast's
-- reporting triangle.
ALTER TABLE analytics.victim_year ADD COLUMN report_delay text;
GRANT SELECT (report_delay) ON analytics.victim_year TO wiqaya_reader;
-- The counting rule returns one more column: a new signature (the file makes it again).
DROP FUNCTION IF EXISTS warehouse.victim_years(bigint[], date, integer);
