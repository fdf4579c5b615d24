-- Three corrections found on data we did not write (issue "right on data we did not write"):
-- 1. Refs: a person's `ref` exists only to join persons and interventions within one case,
--    and an agency may use names or IDs as refs, so nothing of it is stored. Victims and
--    offenders get their position in the case (seq, 1-based, in submitted order), and an
--    intervention names its person by role and position.
-- 2. Censoring before outcome: a victim-year (or adult offender-year) whose month m+12 is
--    beyond the data is censored even when a repeat was already seen inside the data.
-- 3. warehouse.integrity() also finds persons left with no victim or offender row.
-- 4. Linkage (docs/privacy.md): demo_fi tokens (kind 3) are no longer made, since siblings
--    and twins share them; demo_ph (kind 4) takes their place; a national ID token keeps
--    its issuing country (a code from the countries list), so that two different IDs of
--    one country can veto a link.

DELETE FROM warehouse.person_token WHERE kind = 3;
-- IDs stored before this migration have no known country: '??' (they veto only each other).
ALTER TABLE warehouse.person_token DROP CONSTRAINT person_token_kind_check,
  ADD CHECK (kind IN (1, 2, 4)), ADD COLUMN id_country text;
UPDATE warehouse.person_token SET id_country = '??' WHERE kind = 1;
ALTER TABLE warehouse.person_token ADD CHECK ((kind = 1) = (id_country IS NOT NULL));

ALTER TABLE warehouse.victim ADD COLUMN seq smallint;
ALTER TABLE warehouse.offender ADD COLUMN seq smallint;
ALTER TABLE warehouse.intervention ADD COLUMN person_role char(1), ADD COLUMN person_seq smallint;
UPDATE warehouse.victim v SET seq = s.n FROM (
  SELECT case_id, ref, row_number() OVER (PARTITION BY case_id ORDER BY ref) AS n
  FROM warehouse.victim) s WHERE s.case_id = v.case_id AND s.ref = v.ref;
UPDATE warehouse.offender o SET seq = s.n FROM (
  SELECT case_id, ref, row_number() OVER (PARTITION BY case_id ORDER BY ref) AS n
  FROM warehouse.offender) s WHERE s.case_id = o.case_id AND s.ref = o.ref;
UPDATE warehouse.intervention i SET person_role = 'v', person_seq = v.seq
  FROM warehouse.victim v WHERE v.case_id = i.case_id AND v.ref = i.person_ref;
UPDATE warehouse.intervention i SET person_role = 'o', person_seq = o.seq
  FROM warehouse.offender o WHERE o.case_id = i.case_id AND o.ref = i.person_ref
  AND i.person_role IS NULL;
ALTER TABLE warehouse.victim DROP CONSTRAINT victim_pkey, DROP COLUMN ref,
  ALTER COLUMN seq SET NOT NULL, ADD PRIMARY KEY (case_id, seq);
ALTER TABLE warehouse.offender DROP CONSTRAINT offender_pkey, DROP COLUMN ref,
  ALTER COLUMN seq SET NOT NULL, ADD PRIMARY KEY (case_id, seq);
ALTER TABLE warehouse.intervention DROP COLUMN person_ref,
  ALTER COLUMN person_role SET NOT NULL, ALTER COLUMN person_seq SET NOT NULL,
  ADD CHECK (person_role IN ('v', 'o'));

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
$$;

CREATE OR REPLACE FUNCTION warehouse.rebuild_analytics() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
  last_month date;
BEGIN
  -- The data end here: outcomes whose 12-month window passes this month are censored.
  SELECT max(reported) INTO last_month FROM warehouse."case";

  TRUNCATE analytics.victim_year, analytics.case_fact, analytics.offender_year,
           analytics.intervention_fact, analytics.population;

  -- Victim-years (counting rules of api.md) with re-victimisation by linkage: a later
  -- case of the same child whose abuse month (incident, else reported) is after the
  -- first case's, reported in months m+1..m+12 of the first case's month m.
  INSERT INTO analytics.victim_year (year, region, agency, sex, age, age_band, gender_identity,
    sexual_orientation, ethnicity, disability, migrant_status, economic_status,
    education_status, relationship, detection, financial, status, offences, technology,
    linkable, record_key, first_month, revictimised_12m, months_to_revictimisation,
    psychosocial_support)
  WITH occ AS (
    SELECT p.person_id, extract(year FROM c.reported)::smallint AS year, c.reported,
           coalesce(c.incident, c.reported) AS abuse, c.case_id, c.region, c.agency,
           c.detection, c.financial, c.status, c.offences, c.technology, v.seq, v.sex, v.age,
           v.gender_identity, v.sexual_orientation, v.ethnicity, v.disability,
           v.migrant_status, v.economic_status, v.education_status, v.relationship,
           p.linkable, p.record_key
    FROM warehouse.victim v
    JOIN warehouse."case" c USING (case_id)
    JOIN warehouse.person p USING (person_id)
  ), first AS (
    SELECT DISTINCT ON (person_id, year) *
    FROM occ ORDER BY person_id, year, reported, case_id
  ), offs AS (
    SELECT person_id, year, array_agg(DISTINCT o ORDER BY o) AS offences
    FROM occ, unnest(occ.offences) o GROUP BY person_id, year
  ), techs AS (
    SELECT person_id, year, array_agg(DISTINCT t ORDER BY t) AS technology
    FROM occ, unnest(occ.technology) t GROUP BY person_id, year
  ), again AS (
    SELECT f.person_id, f.year,
           min((extract(year FROM o.reported) - extract(year FROM f.reported)) * 12
               + extract(month FROM o.reported) - extract(month FROM f.reported))::smallint AS months
    FROM first f JOIN occ o ON o.person_id = f.person_id
    WHERE o.abuse > f.abuse
      AND o.reported > f.reported AND o.reported <= f.reported + interval '12 months'
    GROUP BY f.person_id, f.year
  ), support AS (
    SELECT DISTINCT f.person_id, f.year
    FROM first f JOIN warehouse.intervention i
      ON i.case_id = f.case_id AND i.person_role = 'v' AND i.person_seq = f.seq
     AND i.type = 'psychosocial_support'
  )
  SELECT f.year, f.region, f.agency, f.sex, f.age, analytics.age_band(f.age),
         f.gender_identity, f.sexual_orientation, f.ethnicity, f.disability, f.migrant_status,
         f.economic_status, f.education_status, f.relationship, f.detection, f.financial,
         f.status, s.offences, coalesce(t.technology, '{}'), f.linkable, f.record_key,
         f.reported,
         -- Censored first: a victim-year whose month m+12 is beyond the data has no
         -- known outcome, whatever was already seen before the data end.
         CASE WHEN NOT f.linkable THEN NULL
              WHEN f.reported + interval '12 months' > last_month THEN NULL
              ELSE a.months IS NOT NULL END,
         a.months,
         sp.person_id IS NOT NULL
  FROM first f JOIN offs s USING (person_id, year)
  LEFT JOIN techs t USING (person_id, year)
  LEFT JOIN again a USING (person_id, year)
  LEFT JOIN support sp USING (person_id, year);

  INSERT INTO analytics.case_fact
  SELECT extract(year FROM c.reported)::smallint, c.reported, c.region, c.agency, c.detection,
         c.financial, c.status, analytics.stage(c.status), analytics.stage(c.status) >= 2,
         c.offences, c.technology,
         (SELECT count(*) FROM warehouse.victim v WHERE v.case_id = c.case_id),
         c.record_key
  FROM warehouse."case" c;

  -- Offender-years: children who harmed apart; re-offending like re-victimisation, for
  -- adults with a linkable pseudonym.
  INSERT INTO analytics.offender_year
  WITH occ AS (
    SELECT o.person_id, extract(year FROM c.reported)::smallint AS year, c.reported,
           coalesce(c.incident, c.reported) AS abuse, c.case_id, c.region, c.agency, c.offences,
           o.sex, o.age, o.child, p.linkable, p.record_key
    FROM warehouse.offender o
    JOIN warehouse."case" c USING (case_id)
    JOIN warehouse.person p USING (person_id)
  ), first AS (
    SELECT DISTINCT ON (person_id, year) * FROM occ ORDER BY person_id, year, reported, case_id
  ), again AS (
    SELECT DISTINCT f.person_id, f.year FROM first f JOIN occ o ON o.person_id = f.person_id
    WHERE o.abuse > f.abuse AND o.reported > f.reported
      AND o.reported <= f.reported + interval '12 months'
  )
  SELECT f.year, f.region, f.agency, f.sex, f.age, analytics.age_band(f.age), f.child,
         f.linkable,
         CASE WHEN f.child OR NOT f.linkable THEN NULL
              WHEN f.reported + interval '12 months' > last_month THEN NULL
              ELSE a.person_id IS NOT NULL END,
         f.offences, f.record_key
  FROM first f LEFT JOIN again a USING (person_id, year);

  INSERT INTO analytics.intervention_fact
  SELECT extract(year FROM i.started)::smallint, c.region, c.agency,
         CASE WHEN i.person_role = 'v' THEN 'victim' ELSE 'offender' END,
         coalesce(v.sex, o.sex), analytics.age_band(coalesce(v.age, o.age)::int), i.type,
         i.level, i.completed, i.outcome, p.record_key
  FROM warehouse.intervention i
  JOIN warehouse."case" c USING (case_id)
  LEFT JOIN warehouse.victim v
    ON i.person_role = 'v' AND v.case_id = i.case_id AND v.seq = i.person_seq
  LEFT JOIN warehouse.offender o
    ON i.person_role = 'o' AND o.case_id = i.case_id AND o.seq = i.person_seq
  JOIN warehouse.person p ON p.person_id = coalesce(v.person_id, o.person_id);

  INSERT INTO analytics.population
  SELECT year, region, sex, age, analytics.age_band(age), dims, population
  FROM warehouse.population;

  UPDATE analytics.data_version SET version = version + 1, rebuilt_at = now()
  RETURNING version INTO v;
  PERFORM pg_notify('wiqaya_data_version', v::text);
  RETURN v;
END
$$;

-- A rebuild reads whole tables: hash joins are right for every one of its statements. The
-- planner chooses nested loops when the warehouse's statistics say its tables are empty
-- (autovacuum analysed them before the first load committed), and then the rebuild of
-- 7,000 victims took 150 s, a million would take days. No statement of it needs a loop.
ALTER FUNCTION warehouse.rebuild_analytics() SET enable_nestloop = off;
