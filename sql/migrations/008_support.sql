-- The support a child received: per victim-year, the intervention types of its first case
-- that year ('none' when it had none), a multi-valued dimension like offences. It replaces
-- the single psychosocial_support flag, so that GET /api/v1/interventions can set every
-- type against 'none'.
ALTER TABLE analytics.victim_year DROP COLUMN psychosocial_support,
  ADD COLUMN support text[] NOT NULL DEFAULT '{none}';

-- The month (1-12 after the first case) of a re-victimisation as a dimension, null when
-- none was seen or the outcome is unknown: the event times of the Kaplan-Meier curves,
-- counted in protected cells like any other.
ALTER TABLE analytics.victim_year ADD COLUMN revictimisation_month text
  GENERATED ALWAYS AS (months_to_revictimisation::text) STORED;

-- Whether this is the child's first victim-year in the warehouse: the incidence of newly
-- identified victims (new_victims, new_victim_rate), which a re-abused child, counted
-- again in a later year at an older age, does not enter twice.
ALTER TABLE analytics.victim_year ADD COLUMN first_report boolean NOT NULL DEFAULT false;

-- Who harmed, per case: adults, children (under 18 at the incident), both, or no offender
-- identified. The justice pathway is always broken down by it, so that the cases of
-- children who harmed are never mixed into adult figures.
ALTER TABLE analytics.case_fact ADD COLUMN offender_group text NOT NULL DEFAULT 'unidentified';

CREATE OR REPLACE FUNCTION warehouse.rebuild_analytics() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
  last_month date;
  cap integer;
BEGIN
  -- The data end here: outcomes whose 12-month window passes this month are censored.
  SELECT max(reported) INTO last_month FROM warehouse."case";
  SELECT item_cap INTO cap FROM analytics.data_version;

  TRUNCATE analytics.victim_year, analytics.case_fact, analytics.offender_year,
           analytics.intervention_fact, analytics.population;

  -- Victim-years (counting rules of api.md) with re-victimisation by linkage: a later
  -- case of the same child whose abuse month (incident, else reported) is after the
  -- first case's, reported in months m+1..m+12 of the first case's month m.
  INSERT INTO analytics.victim_year (year, region, agency, sex, age_band, gender_identity,
    sexual_orientation, ethnicity, disability, migrant_status, economic_status,
    education_status, relationship, detection, financial, status, offences, technology,
    record_key, revictimised_12m, months_to_revictimisation, support, first_report)
  WITH occ AS (
    SELECT p.person_id, extract(year FROM c.reported)::smallint AS year, c.reported,
           coalesce(c.incident, c.reported) AS abuse, c.case_id, c.region, c.agency,
           c.detection, c.financial, c.status, c.offences, c.technology, v.seq, v.sex, v.age,
           v.gender_identity, v.sexual_orientation, v.ethnicity, v.disability,
           v.migrant_status, v.economic_status, v.education_status, v.relationship,
           p.linkable, p.salt
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
  ), debut AS (
    SELECT person_id, min(year) AS year FROM first GROUP BY person_id
  ), support AS (
    SELECT f.person_id, f.year, array_agg(DISTINCT i.type ORDER BY i.type) AS types
    FROM first f JOIN warehouse.intervention i
      ON i.case_id = f.case_id AND i.person_role = 'v' AND i.person_seq = f.seq
    GROUP BY f.person_id, f.year
  )
  SELECT f.year, f.region, f.agency, f.sex, analytics.age_band(f.age),
         f.gender_identity, f.sexual_orientation, f.ethnicity, f.disability, f.migrant_status,
         f.economic_status, f.education_status, f.relationship, f.detection, f.financial,
         f.status, analytics.cap_items(s.offences, cap),
         analytics.cap_items(coalesce(t.technology, '{}'), cap),
         warehouse.year_key(f.salt, 'victim', f.year),
         -- Censored first: a victim-year whose month m+12 is beyond the data has no
         -- known outcome, whatever was already seen before the data end.
         CASE WHEN NOT f.linkable THEN NULL
              WHEN f.reported + interval '12 months' > last_month THEN NULL
              ELSE a.months IS NOT NULL END,
         CASE WHEN f.linkable AND f.reported + interval '12 months' <= last_month
              THEN a.months END,
         coalesce(sp.types, '{none}'), db.person_id IS NOT NULL
  FROM first f JOIN offs s USING (person_id, year)
  LEFT JOIN techs t USING (person_id, year)
  LEFT JOIN again a USING (person_id, year)
  LEFT JOIN support sp USING (person_id, year)
  LEFT JOIN debut db USING (person_id, year);

  INSERT INTO analytics.case_fact (year, region, agency, detection, financial, status, stage,
    charged, offences, technology, record_key, offender_group)
  WITH who AS (
    SELECT case_id, bool_or(child) AS children, bool_or(NOT child) AS adults
    FROM warehouse.offender GROUP BY case_id
  )
  SELECT extract(year FROM c.reported)::smallint, c.region, c.agency, c.detection,
         c.financial, c.status, analytics.stage(c.status), analytics.stage(c.status) >= 2,
         analytics.cap_items(c.offences, cap), analytics.cap_items(c.technology, cap),
         c.record_key,
         CASE WHEN w.children AND w.adults THEN 'mixed' WHEN w.children THEN 'child'
              WHEN w.adults THEN 'adult' ELSE 'unidentified' END
  FROM warehouse."case" c LEFT JOIN who w USING (case_id);

  -- Offender-years: children who harmed apart; re-offending like re-victimisation, for
  -- adults with a linkable pseudonym.
  INSERT INTO analytics.offender_year (year, region, agency, sex, age_band, child,
    reoffended_12m, offences, record_key)
  WITH occ AS (
    SELECT o.person_id, extract(year FROM c.reported)::smallint AS year, c.reported,
           coalesce(c.incident, c.reported) AS abuse, c.case_id, c.region, c.agency, c.offences,
           o.sex, o.age, o.child, p.linkable, p.salt
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
  SELECT f.year, f.region, f.agency, f.sex, analytics.age_band(f.age), f.child,
         CASE WHEN f.child OR NOT f.linkable THEN NULL
              WHEN f.reported + interval '12 months' > last_month THEN NULL
              ELSE a.person_id IS NOT NULL END,
         analytics.cap_items(f.offences, cap), warehouse.year_key(f.salt, 'offender', f.year)
  FROM first f LEFT JOIN again a USING (person_id, year);

  INSERT INTO analytics.intervention_fact
  SELECT extract(year FROM i.started)::smallint, c.region, c.agency,
         CASE WHEN i.person_role = 'v' THEN 'victim' ELSE 'offender' END,
         coalesce(v.sex, o.sex), analytics.age_band(coalesce(v.age, o.age)::int), i.type,
         i.level, i.completed, i.outcome,
         warehouse.year_key(p.salt, 'intervention', extract(year FROM i.started)::int)
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

  UPDATE analytics.data_version SET version = version + 1, rebuilt_at = now(),
    first_year = (SELECT min(year) FROM analytics.case_fact),
    last_year = (SELECT max(year) FROM analytics.case_fact)
  RETURNING version INTO v;
  PERFORM pg_notify('wiqaya_data_version', v::text);
  RETURN v;
END
$$;
ALTER FUNCTION warehouse.rebuild_analytics() SET enable_nestloop = off;

SELECT warehouse.rebuild_analytics() WHERE EXISTS (SELECT 1 FROM warehouse."case");
