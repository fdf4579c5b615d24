-- A merge of persons, or its removal (a withdrawal), may change every year of the persons
-- it joins, whichever they are: the noise's epochs start again from the first year
-- (migration 030, docs/privacy.md "Changes between data versions"). Statement triggers
-- with transition tables (a statement that touched no merge, as most chunks' removal of
-- orphans, changes nothing), created here beside their function as case_changed's are.
CREATE OR REPLACE FUNCTION warehouse.merge_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO warehouse.refresh_queue (from_year) SELECT 0 FROM made HAVING count(*) > 0;
  ELSE
    INSERT INTO warehouse.refresh_queue (from_year) SELECT 0 FROM gone HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION warehouse.merge_changed() FROM PUBLIC;
CREATE OR REPLACE TRIGGER merge_made AFTER INSERT ON warehouse.person_merge
  REFERENCING NEW TABLE AS made FOR EACH STATEMENT EXECUTE FUNCTION warehouse.merge_changed();
CREATE OR REPLACE TRIGGER merge_gone AFTER DELETE ON warehouse.person_merge
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION warehouse.merge_changed();
