-- What a change to the cases means for the official releases (docs/releases.md): a
-- tally of the changed cases by agency, year and kind (warehouse.case_change: a new case,
-- a resubmission, a reclassification (a resubmission whose offences changed), a
-- withdrawal), and the reopening of an approved agency-year they touch (reopened_at the
-- last change's time: a grace period counts from it). Statement
-- triggers with transition tables: one statement a batch's COPY, an upsert or a
-- withdrawal, whatever its rows. A case moved to another year or agency counts for both;
-- a rekey, which changes only the case's pseudonym (not its revision), is no change.
-- And for the noise's epochs (migration 030, docs/privacy.md "Changes between data
-- versions"), a row of the refresh queue: the first year a change may reach, whatever
-- the data hold, the earliest changed case's year less one (a later case can make an
-- earlier year's child re-victimised within twelve months).
-- The triggers are created here, beside their function, as tokens_changed's are.
CREATE OR REPLACE FUNCTION warehouse.case_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH c AS (
      SELECT agency, extract(year FROM reported)::smallint AS year, 'new' AS kind,
             count(*)::integer AS cases
      FROM new_cases GROUP BY 1, 2
    ), logged AS (INSERT INTO warehouse.case_change (agency, year, kind, cases)
                  SELECT agency, year, kind, cases FROM c)
    UPDATE warehouse.approval a SET reopened_at = now() FROM c
    WHERE a.agency = c.agency AND a.year = c.year;
    INSERT INTO warehouse.refresh_queue (from_year)
    SELECT min(extract(year FROM reported))::smallint - 1 FROM new_cases HAVING count(*) > 0;
  ELSIF TG_OP = 'DELETE' THEN
    WITH c AS (
      SELECT agency, extract(year FROM reported)::smallint AS year, 'withdrawn' AS kind,
             count(*)::integer AS cases
      FROM old_cases GROUP BY 1, 2
    ), logged AS (INSERT INTO warehouse.case_change (agency, year, kind, cases)
                  SELECT agency, year, kind, cases FROM c)
    UPDATE warehouse.approval a SET reopened_at = now() FROM c
    WHERE a.agency = c.agency AND a.year = c.year;
    INSERT INTO warehouse.refresh_queue (from_year)
    SELECT min(extract(year FROM reported))::smallint - 1 FROM old_cases HAVING count(*) > 0;
  ELSE
    WITH side AS (
      SELECT DISTINCT o.case_id, s.agency, s.year,
             CASE WHEN n.offences <> o.offences THEN 'reclassified' ELSE 'resubmitted' END
               AS kind
      FROM old_cases o JOIN new_cases n USING (case_id)
      CROSS JOIN LATERAL (VALUES (o.agency, extract(year FROM o.reported)::smallint),
                                 (n.agency, extract(year FROM n.reported)::smallint))
                         AS s (agency, year)
      WHERE n.revision <> o.revision OR n.agency <> o.agency OR n.reported <> o.reported
    ), c AS (
      SELECT agency, year, kind, count(*)::integer AS cases FROM side GROUP BY 1, 2, 3
    ), logged AS (INSERT INTO warehouse.case_change (agency, year, kind, cases)
                  SELECT agency, year, kind, cases FROM c)
    UPDATE warehouse.approval a SET reopened_at = now()
    FROM (SELECT DISTINCT agency, year FROM c) d
    WHERE a.agency = d.agency AND a.year = d.year;
    -- (any change but a rekey's, which changes the pseudonym alone: a resubmission
    -- raises the revision, whatever else it changes)
    INSERT INTO warehouse.refresh_queue (from_year)
    SELECT min(least(extract(year FROM o.reported), extract(year FROM n.reported)))::smallint - 1
    FROM old_cases o JOIN new_cases n USING (case_id)
    WHERE n.revision <> o.revision OR n.agency <> o.agency OR n.reported <> o.reported
       OR n.incident IS DISTINCT FROM o.incident
    HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION warehouse.case_changed() FROM PUBLIC;
CREATE OR REPLACE TRIGGER case_changed_insert AFTER INSERT ON warehouse."case"
  REFERENCING NEW TABLE AS new_cases
  FOR EACH STATEMENT EXECUTE FUNCTION warehouse.case_changed();
CREATE OR REPLACE TRIGGER case_changed_update AFTER UPDATE ON warehouse."case"
  REFERENCING OLD TABLE AS old_cases NEW TABLE AS new_cases
  FOR EACH STATEMENT EXECUTE FUNCTION warehouse.case_changed();
CREATE OR REPLACE TRIGGER case_changed_delete AFTER DELETE ON warehouse."case"
  REFERENCING OLD TABLE AS old_cases
  FOR EACH STATEMENT EXECUTE FUNCTION warehouse.case_changed();
