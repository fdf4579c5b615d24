-- What a small load and its refresh read whole, found on a million cases, where a 40-case
-- correction took 2.0 s to load and refresh (issue 27's goal: 2 s) and 1.4 s of it were
-- three statements reading tables of a million rows, each a cost that grows with the
-- warehouse, not with the correction:
--   the data's last month, max(reported) of every case (0.25 s);
--   the years the facts span, min and max of the year of every case and intervention fact
--   (warehouse.analytics_built, 0.4 s): migration 023 dropped the year indexes of these
--   two, since a partition a year prunes better, and with them the only way to the ends
--   of the column but a scan;
--   the removal of persons a resubmission no longer names (etl/load/chunk.c,
--   remove_orphans), which follows merges to them by merged_into (0.5 s).
-- (The fourth, the interventions of the refresh's persons, was a plan:
-- warehouse.intervention_facts.) With these the refresh took 0.18 s instead of 1.47.
-- A partition made later (analytics.year_partition) takes the parent's index; a year on
-- another server, a foreign table, has none here (PostgreSQL skips foreign partitions of
-- an index that is not unique).
CREATE INDEX ON warehouse."case" (reported);
CREATE INDEX ON warehouse.person (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX ON analytics.case_fact (year);
CREATE INDEX ON analytics.intervention_fact (year);
-- Each person removed checks the merges that name it (their foreign keys), and the
-- removal deletes those merges: by index, not a read of every merge a person.
CREATE INDEX ON warehouse.person_merge (from_person);
CREATE INDEX ON warehouse.person_merge (into_person);
-- warehouse.analyze_warehouse takes skip_locked now (its file), for the full rebuild's
-- analysis of the warehouse.
DROP FUNCTION IF EXISTS warehouse.analyze_warehouse();
