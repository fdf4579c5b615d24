-- The counting rule of victims (api.md, docs/indicators.md): one row per child and year
-- in which at least one case of it was reported. The child's attributes are those of its
-- first case that year; offences and technologies the union over that year's cases, and
-- support the types of its first case's interventions (each capped at CAP items: the
-- noise is charged for at most CAP cells a child-year, server/sensitivity.c); re-victimisation by linkage: a later case of the same child
-- whose abuse month (incident, else reported) is after the first case's, reported in
-- months m+1..m+12 of the first case's month m, known only for linkable children whose
-- month m+12 is within the data (DATA_END, the last month reported); sources, every
-- source (warehouse.agency_source) whose agencies reported the child that year, in byte
-- order joined by +: its capture pattern, which multiple-systems estimation counts;
-- report_delay, the calendar years from the first case's incident month to its report
-- (5+ beyond four; null when the incident is unknown, or the same abuse month was reported
-- for the child in an earlier year): the development of the nowcast's triangle.
--
-- PERSONS: the persons whose rows to build (a refresh), NULL for everyone (the rebuild).
-- A plain SQL function that the planner inlines into its caller, so that a NULL folds
-- away and an array probes the person index (warehouse.build_analytics).
CREATE OR REPLACE FUNCTION warehouse.victim_years(persons bigint[], data_end date, cap integer)
RETURNS TABLE (year smallint, region text, agency text, sex text, age_band text,
  gender_identity text, sexual_orientation text, ethnicity text, disability text,
  migrant_status text, economic_status text, education_status text, relationship text,
  detection text, financial boolean, status text, offences text[], technology text[],
  record_key bigint, revictimised_12m boolean, months_to_revictimisation smallint,
  sources text, report_delay text,
  support text[], first_report boolean, row_key bytea)
LANGUAGE sql STABLE AS $$
  WITH occ AS (
    SELECT p.person_id, extract(year FROM c.reported)::smallint AS year, c.reported,
           coalesce(c.incident, c.reported) AS abuse, c.incident, c.case_id, c.region, c.agency,
           c.detection, c.financial, c.status, c.offences, c.technology, v.seq, v.sex, v.age,
           v.gender_identity, v.sexual_orientation, v.ethnicity, v.disability,
           v.migrant_status, v.economic_status, v.education_status, v.relationship,
           p.linkable, p.salt
    FROM warehouse.victim v
    JOIN warehouse."case" c USING (case_id)
    JOIN warehouse.person p USING (person_id)
    WHERE persons IS NULL OR v.person_id = ANY (persons)
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
  ), seen AS (
    SELECT o.person_id, o.year,
           string_agg(DISTINCT s.source COLLATE "C", '+' ORDER BY s.source COLLATE "C") AS sources
    FROM occ o JOIN warehouse.agency_source s ON s.agency = o.agency
    GROUP BY o.person_id, o.year
  ), first_abuse AS (
    -- The year each abuse month of a child was first reported (joined, not probed per
    -- row: a correlated probe of the CTE is quadratic in the children).
    SELECT person_id, abuse, min(year) AS first_year FROM occ GROUP BY person_id, abuse
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
              WHEN f.reported + interval '12 months' > data_end THEN NULL
              ELSE a.months IS NOT NULL END,
         CASE WHEN f.linkable AND f.reported + interval '12 months' <= data_end
              THEN a.months END,
         sn.sources,
         -- Unknown when the abuse month is, and for an abuse the child was reported for in
         -- an earlier year (another source's late report of it): counted once, there.
         CASE WHEN f.incident IS NULL OR fa.first_year < f.year THEN NULL
              WHEN extract(year FROM f.reported) - extract(year FROM f.incident) >= 5 THEN '5+'
              ELSE (extract(year FROM f.reported) - extract(year FROM f.incident))::int::text END,
         analytics.cap_items(coalesce(sp.types, '{none}'), cap), db.person_id IS NOT NULL,
         warehouse.row_key(f.salt, 'victim', f.year)
  FROM first f JOIN offs s USING (person_id, year)
  LEFT JOIN techs t USING (person_id, year)
  LEFT JOIN again a USING (person_id, year)
  LEFT JOIN support sp USING (person_id, year)
  LEFT JOIN seen sn USING (person_id, year)
  LEFT JOIN first_abuse fa USING (person_id, abuse)
  LEFT JOIN debut db USING (person_id, year)
$$;
REVOKE ALL ON FUNCTION warehouse.victim_years(bigint[], date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.victim_years(bigint[], date, integer) TO wiqaya_loader;
