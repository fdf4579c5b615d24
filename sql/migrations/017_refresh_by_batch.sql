-- A load queues its batches for the incremental refresh, not every person and case it
-- wrote (issue 27): one row a chunk instead of one a person and a case, which was an
-- eighth of a large load's database time. The refresh finds a queued batch's cases (by
-- case.batch_id, indexed since 016) and the persons they name. Persons a load takes rows
-- from without naming them any more (merged away, or no longer named by a resubmitted
-- case) are still queued one by one, with their salts.
ALTER TABLE warehouse.refresh_queue ADD COLUMN batch_id bigint;
