-- The noise's epochs (docs/privacy.md, "Changes between data versions"). A cell whose
-- children did not change kept its fresh noise and its ledger identity at every data
-- version, so whether it changed was visible, exactly, suppressed or not; with planted
-- cases that became an oracle for named children (a cold review, 2026-12-07): a
-- submitter plants a case naming a child it can identify, dated in year Y; a child
-- already a victim in Y keeps the attributes of its first case and leaves the
-- submitter's cells of Y as they were (their repeat free), a child that was not is a new
-- row there. Now every change to the cases says from which year the facts may have
-- changed, whatever the data hold: a case's year less one (the re-victimisation window
-- reaches back twelve months), on to the last (a child's first report and report delays
-- reach forward), and every year for a merge of persons. The refresh that shows a change
-- records its data version against that first year, and a cell's fresh noise and
-- identity take the epoch of the years it spans: the latest version recorded at or
-- before its last year (server/epoch.h).
--
-- from_year: the first year a change may reach; version: the data version that shows it
-- (NULL until the refresh's warehouse.analytics_built stamps it, in the same
-- transaction: warehouse.empty_queue).
CREATE TABLE analytics.year_change (
  from_year smallint PRIMARY KEY,
  version bigint
);
GRANT SELECT, INSERT, UPDATE ON analytics.year_change TO wiqaya_loader;
GRANT SELECT ON analytics.year_change TO wiqaya_reader;
-- The queue's row of a change: the first year it may reach (the triggers
-- warehouse.case_changed, merge_changed and intervention_changed).
ALTER TABLE warehouse.refresh_queue ADD COLUMN from_year smallint;
