-- The counting rule of cases: one row per case, in the year it was reported, with the
-- justice stage it reached and who harmed: adults, children (under 18 at the incident),
-- both, or no offender identified. The justice pathway is always broken down by it, so
-- that the cases of children who harmed are never mixed into adult figures.
--
-- CASES: the cases whose rows to build (a refresh), NULL for every case (the rebuild);
-- inlined into the caller as warehouse.victim_years is.
CREATE OR REPLACE FUNCTION warehouse.case_facts(cases bigint[], cap integer)
RETURNS TABLE (year smallint, region text, agency text, detection text, financial boolean,
  status text, stage smallint, charged boolean, offences text[], technology text[],
  record_key bigint, offender_group text, row_key bytea)
LANGUAGE sql STABLE AS $$
  WITH who AS (
    SELECT o.case_id, bool_or(o.child) AS children, bool_or(NOT o.child) AS adults
    FROM warehouse.offender o
    WHERE cases IS NULL OR o.case_id = ANY (cases)
    GROUP BY o.case_id
  )
  SELECT extract(year FROM c.reported)::smallint, c.region, c.agency, c.detection,
         c.financial, c.status, analytics.stage(c.status), analytics.stage(c.status) >= 2,
         analytics.cap_items(c.offences, cap), analytics.cap_items(c.technology, cap),
         c.record_key,
         CASE WHEN w.children AND w.adults THEN 'mixed' WHEN w.children THEN 'child'
              WHEN w.adults THEN 'adult' ELSE 'unidentified' END,
         warehouse.row_key(c.case_key, 'case', 0)
  FROM warehouse."case" c LEFT JOIN who w USING (case_id)
  WHERE cases IS NULL OR c.case_id = ANY (cases)
$$;
REVOKE ALL ON FUNCTION warehouse.case_facts(bigint[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.case_facts(bigint[], integer) TO wiqaya_loader;
