-- An intervention's fact is filed in the year it started, which may be before its case's
-- (etl/load/record.c does not bind the two): its rows changing reach that year, so the
-- noise's epochs start from it (migration 030, docs/privacy.md "Changes between data
-- versions"; warehouse.case_changed starts from the case's year less one). Statement
-- triggers with transition tables, created here beside their function as case_changed's
-- are; the earliest start less one, as for a case.
CREATE OR REPLACE FUNCTION warehouse.intervention_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO warehouse.refresh_queue (from_year)
    SELECT min(extract(year FROM started))::smallint - 1 FROM made HAVING count(*) > 0;
  ELSE
    INSERT INTO warehouse.refresh_queue (from_year)
    SELECT min(extract(year FROM started))::smallint - 1 FROM gone HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION warehouse.intervention_changed() FROM PUBLIC;
CREATE OR REPLACE TRIGGER intervention_made AFTER INSERT ON warehouse.intervention
  REFERENCING NEW TABLE AS made
  FOR EACH STATEMENT EXECUTE FUNCTION warehouse.intervention_changed();
CREATE OR REPLACE TRIGGER intervention_gone AFTER DELETE ON warehouse.intervention
  REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION warehouse.intervention_changed();
