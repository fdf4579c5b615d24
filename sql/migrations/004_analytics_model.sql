-- The analytics model of api.md: one row per victim-year (with its re-victimisation
-- outcome), per case (with the justice stage reached), per offender-year (children who
-- harmed apart, re-offending for adults), per intervention; population denominators by
-- age band. Codes, months and record keys only: no pseudonym, no person id, no day.

ALTER TABLE analytics.victim_year
  ADD COLUMN first_month date,               -- reported month of the child's first case that year
  ADD COLUMN revictimised_12m boolean,       -- null: censored or unlinkable
  ADD COLUMN months_to_revictimisation smallint,
  ADD COLUMN psychosocial_support boolean;   -- any in the year's first case

CREATE TABLE analytics.case_fact (
  year smallint NOT NULL,
  month date NOT NULL,
  region text NOT NULL,
  agency text NOT NULL,
  detection text NOT NULL,
  financial boolean,
  status text NOT NULL,
  stage smallint NOT NULL,          -- 0 reported .. 4 convicted/acquitted; -1 diverted/closed
  charged boolean NOT NULL,         -- reached charged, prosecuted, convicted or acquitted
  offences text[] NOT NULL,
  technology text[] NOT NULL,
  victims smallint NOT NULL,
  record_key bigint NOT NULL
);

CREATE TABLE analytics.offender_year (
  year smallint NOT NULL,
  region text NOT NULL,
  agency text NOT NULL,
  sex text NOT NULL,
  age smallint,
  age_band text,
  child boolean NOT NULL,
  linkable boolean NOT NULL,
  reoffended_12m boolean,           -- adults with a linkable pseudonym only; null: censored
  offences text[] NOT NULL,
  record_key bigint NOT NULL
);

CREATE TABLE analytics.intervention_fact (
  year smallint NOT NULL,
  region text NOT NULL,
  agency text NOT NULL,
  person_kind text NOT NULL CHECK (person_kind IN ('victim', 'offender')),
  sex text,
  age_band text,
  type text NOT NULL,
  level text NOT NULL,
  completed boolean,
  outcome text,
  record_key bigint NOT NULL
);

CREATE TABLE analytics.population (
  year smallint NOT NULL,
  region text NOT NULL,
  sex text NOT NULL,
  age smallint NOT NULL,
  age_band text NOT NULL,
  dims jsonb NOT NULL,
  population integer NOT NULL
);

GRANT SELECT ON analytics.case_fact, analytics.offender_year, analytics.intervention_fact,
  analytics.population TO wiqaya_reader;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON analytics.case_fact, analytics.offender_year,
  analytics.intervention_fact, analytics.population TO wiqaya_loader;

-- The order of the justice pathway (api.md): reported < under_investigation < charged <
-- prosecuted < convicted / acquitted; diverted and closed_no_action end without a charge.
CREATE FUNCTION analytics.stage(status text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE status WHEN 'reported' THEN 0 WHEN 'under_investigation' THEN 1
                     WHEN 'charged' THEN 2 WHEN 'prosecuted' THEN 3
                     WHEN 'convicted' THEN 4 WHEN 'acquitted' THEN 4 ELSE -1 END::smallint
$$;
GRANT EXECUTE ON FUNCTION analytics.stage(text) TO wiqaya_loader, wiqaya_reader;

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
           c.detection, c.financial, c.status, c.offences, c.technology, v.ref, v.sex, v.age,
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
      ON i.case_id = f.case_id AND i.person_ref = f.ref AND i.type = 'psychosocial_support'
  )
  SELECT f.year, f.region, f.agency, f.sex, f.age, analytics.age_band(f.age),
         f.gender_identity, f.sexual_orientation, f.ethnicity, f.disability, f.migrant_status,
         f.economic_status, f.education_status, f.relationship, f.detection, f.financial,
         f.status, s.offences, coalesce(t.technology, '{}'), f.linkable, f.record_key,
         f.reported,
         CASE WHEN NOT f.linkable THEN NULL
              WHEN a.months IS NOT NULL THEN true
              WHEN f.reported + interval '12 months' <= last_month THEN false
              ELSE NULL END,
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
              WHEN a.person_id IS NOT NULL THEN true
              WHEN f.reported + interval '12 months' <= last_month THEN false
              ELSE NULL END,
         f.offences, f.record_key
  FROM first f LEFT JOIN again a USING (person_id, year);

  INSERT INTO analytics.intervention_fact
  SELECT extract(year FROM i.started)::smallint, c.region, c.agency,
         CASE WHEN v.ref IS NOT NULL THEN 'victim' ELSE 'offender' END,
         coalesce(v.sex, o.sex), analytics.age_band(coalesce(v.age, o.age)::int), i.type,
         i.level, i.completed, i.outcome, p.record_key
  FROM warehouse.intervention i
  JOIN warehouse."case" c USING (case_id)
  LEFT JOIN warehouse.victim v ON v.case_id = i.case_id AND v.ref = i.person_ref
  LEFT JOIN warehouse.offender o ON o.case_id = i.case_id AND o.ref = i.person_ref
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
