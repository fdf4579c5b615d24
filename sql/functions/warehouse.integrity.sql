-- Orphans and dangling references the loader must never leave: one row per kind, with
-- its count (all zero in a sound warehouse). The tests run it after every kind of load.
CREATE OR REPLACE FUNCTION warehouse.integrity() RETURNS TABLE (problem text, n bigint)
LANGUAGE sql STABLE AS $$
  SELECT 'token without person', count(*) FROM warehouse.person_token t
    WHERE NOT EXISTS (SELECT 1 FROM warehouse.person p WHERE p.person_id = t.person_id)
  UNION ALL
  SELECT 'token on a merged person', count(*) FROM warehouse.person_token t
    JOIN warehouse.person p USING (person_id) WHERE p.merged_into IS NOT NULL
  UNION ALL
  SELECT 'victim without case or person', count(*) FROM warehouse.victim v
    WHERE NOT EXISTS (SELECT 1 FROM warehouse."case" c WHERE c.case_id = v.case_id)
       OR NOT EXISTS (SELECT 1 FROM warehouse.person p WHERE p.person_id = v.person_id
                      AND p.merged_into IS NULL)
  UNION ALL
  SELECT 'offender without case or person', count(*) FROM warehouse.offender o
    WHERE NOT EXISTS (SELECT 1 FROM warehouse."case" c WHERE c.case_id = o.case_id)
       OR NOT EXISTS (SELECT 1 FROM warehouse.person p WHERE p.person_id = o.person_id
                      AND p.merged_into IS NULL)
  UNION ALL
  SELECT 'person without victim or offender', count(*) FROM warehouse.person p
    WHERE p.merged_into IS NULL
      AND NOT EXISTS (SELECT 1 FROM warehouse.victim v WHERE v.person_id = p.person_id)
      AND NOT EXISTS (SELECT 1 FROM warehouse.offender o WHERE o.person_id = p.person_id)
  UNION ALL
  SELECT 'intervention without case or person', count(*) FROM warehouse.intervention i
    WHERE NOT EXISTS (SELECT 1 FROM warehouse."case" c WHERE c.case_id = i.case_id)
       OR (i.person_role = 'v' AND NOT EXISTS (SELECT 1 FROM warehouse.victim v
             WHERE v.case_id = i.case_id AND v.seq = i.person_seq))
       OR (i.person_role = 'o' AND NOT EXISTS (SELECT 1 FROM warehouse.offender o
             WHERE o.case_id = i.case_id AND o.seq = i.person_seq))
  UNION ALL
  SELECT 'case or person without batch', count(*) FROM (
    SELECT batch_id FROM warehouse."case" UNION ALL SELECT first_batch FROM warehouse.person) x
    WHERE NOT EXISTS (SELECT 1 FROM warehouse.batch b WHERE b.batch_id = x.batch_id)
  UNION ALL
  SELECT 'case without victim', count(*) FROM warehouse."case" c
    WHERE NOT EXISTS (SELECT 1 FROM warehouse.victim v WHERE v.case_id = c.case_id)
  UNION ALL
  -- (the loader draws each person's salt: two persons with one salt would share their
  -- record and row keys in every fact and year; grouped, not count(DISTINCT), which
  -- always sorts, where the planner may hash)
  SELECT 'person without a salt of its own (16 random bytes)',
         (SELECT count(*) FROM warehouse.person WHERE length(salt) <> 16)
         + (SELECT coalesce(sum(n - 1), 0)::bigint
            FROM (SELECT count(*) AS n FROM warehouse.person GROUP BY salt
                  HAVING count(*) > 1) shared)
$$;
REVOKE ALL ON FUNCTION warehouse.integrity() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.integrity() TO wiqaya_loader;
