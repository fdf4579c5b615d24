-- The counting rule of interventions: one row per intervention, in the year it started,
-- with the sex and age band of the victim or offender it was for.
--
-- PERSONS: as in warehouse.victim_years. The cases of those persons are found first, as
-- an array (an init plan), so that a refresh probes the interventions' index with them: a
-- subquery under the OR stays a filter, since the planner pulls sublinks up into joins
-- before it folds "persons IS NULL" away, and it read every intervention (0.6 s of a
-- refresh on a million cases, where this takes milliseconds).
CREATE OR REPLACE FUNCTION warehouse.intervention_facts(persons bigint[])
RETURNS TABLE (year smallint, region text, agency text, person_kind text, sex text,
  age_band text, type text, level text, completed boolean, outcome text, record_key bigint,
  row_key bytea)
LANGUAGE sql STABLE AS $$
  SELECT extract(year FROM i.started)::smallint, c.region, c.agency,
         CASE WHEN i.person_role = 'v' THEN 'victim' ELSE 'offender' END,
         coalesce(v.sex, o.sex), analytics.age_band(coalesce(v.age, o.age)::int), i.type,
         i.level, i.completed, i.outcome,
         warehouse.year_key(p.salt, 'intervention', extract(year FROM i.started)::int),
         warehouse.row_key(p.salt, 'intervention', extract(year FROM i.started)::int)
  FROM warehouse.intervention i
  JOIN warehouse."case" c USING (case_id)
  LEFT JOIN warehouse.victim v
    ON i.person_role = 'v' AND v.case_id = i.case_id AND v.seq = i.person_seq
  LEFT JOIN warehouse.offender o
    ON i.person_role = 'o' AND o.case_id = i.case_id AND o.seq = i.person_seq
  JOIN warehouse.person p ON p.person_id = coalesce(v.person_id, o.person_id)
  WHERE persons IS NULL
     OR (i.case_id = ANY (ARRAY(
           SELECT x.case_id FROM warehouse.victim x WHERE x.person_id = ANY (persons)
           UNION
           SELECT x.case_id FROM warehouse.offender x WHERE x.person_id = ANY (persons)))
         AND p.person_id = ANY (persons))
$$;
REVOKE ALL ON FUNCTION warehouse.intervention_facts(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.intervention_facts(bigint[]) TO wiqaya_loader;
