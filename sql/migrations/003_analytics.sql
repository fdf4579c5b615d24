-- The de-identified analytics model: codes, ages, months and record keys; no pseudonym,
-- no person id, no date finer than a month. Rebuilt from the warehouse by the loader.

CREATE TABLE analytics.data_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version bigint NOT NULL DEFAULT 0,
  rebuilt_at timestamptz
);
INSERT INTO analytics.data_version DEFAULT VALUES;

CREATE FUNCTION analytics.age_band(age integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN age IS NULL THEN NULL
              WHEN age <= 4 THEN '0-4' WHEN age <= 9 THEN '5-9'
              WHEN age <= 12 THEN '10-12' WHEN age <= 15 THEN '13-15'
              WHEN age <= 17 THEN '16-17' ELSE '18+' END
$$;

-- One row per victim-year (api.md's counting rules): a child with at least one case
-- reported that year; attributes from its first case of the year; offences and
-- technologies the union over that year's cases.
CREATE TABLE analytics.victim_year (
  year smallint NOT NULL,
  region text NOT NULL,
  agency text NOT NULL,
  sex text NOT NULL,
  age smallint NOT NULL,
  age_band text NOT NULL,
  gender_identity text NOT NULL,
  sexual_orientation text NOT NULL,
  ethnicity text NOT NULL,
  disability text NOT NULL,
  migrant_status text NOT NULL,
  economic_status text NOT NULL,
  education_status text NOT NULL,
  relationship text NOT NULL,
  detection text NOT NULL,
  financial boolean,
  status text NOT NULL,
  offences text[] NOT NULL,
  technology text[] NOT NULL,
  linkable boolean NOT NULL,
  record_key bigint NOT NULL
);

GRANT EXECUTE ON FUNCTION analytics.age_band(integer) TO wiqaya_loader, wiqaya_reader;

-- Rebuilds every analytics table from the warehouse in the caller's transaction, bumps
-- the data version and notifies listeners (channel wiqaya_data_version). Returns the new
-- version. Runs with the caller's rights: wiqaya_loader holds the grants it needs.
CREATE FUNCTION warehouse.rebuild_analytics() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
BEGIN
  TRUNCATE analytics.victim_year;
  INSERT INTO analytics.victim_year
  WITH occ AS (
    SELECT p.person_id, extract(year FROM c.reported)::smallint AS year, c.reported,
           c.case_id, c.region, c.agency, c.detection, c.financial, c.status, c.offences,
           c.technology, v.sex, v.age, v.gender_identity, v.sexual_orientation, v.ethnicity,
           v.disability, v.migrant_status, v.economic_status, v.education_status,
           v.relationship, p.linkable, p.record_key
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
  )
  SELECT f.year, f.region, f.agency, f.sex, f.age, analytics.age_band(f.age),
         f.gender_identity, f.sexual_orientation, f.ethnicity, f.disability, f.migrant_status,
         f.economic_status, f.education_status, f.relationship, f.detection, f.financial,
         f.status, s.offences, coalesce(t.technology, '{}'), f.linkable, f.record_key
  FROM first f JOIN offs s USING (person_id, year)
  LEFT JOIN techs t USING (person_id, year);

  UPDATE analytics.data_version SET version = version + 1, rebuilt_at = now()
  RETURNING version INTO v;
  PERFORM pg_notify('wiqaya_data_version', v::text);
  RETURN v;
END
$$;
REVOKE ALL ON FUNCTION warehouse.rebuild_analytics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.rebuild_analytics() TO wiqaya_loader;
