-- The counting rule of offenders: one row per person and year in which a case named them
-- as an offender, with the attributes of their first case that year. Children who harmed
-- (under 18 at the incident) are kept apart by the child flag; re-offending is counted
-- like re-victimisation (warehouse.victim_years), for adults with a linkable pseudonym.
--
-- PERSONS: as in warehouse.victim_years.
CREATE OR REPLACE FUNCTION warehouse.offender_years(persons bigint[], data_end date, cap integer)
RETURNS TABLE (year smallint, region text, agency text, sex text, age_band text,
  child boolean, reoffended_12m boolean, offences text[], record_key bigint, row_key bytea)
LANGUAGE sql STABLE AS $$
  WITH occ AS (
    SELECT o.person_id, extract(year FROM c.reported)::smallint AS year, c.reported,
           coalesce(c.incident, c.reported) AS abuse, c.case_id, c.region, c.agency, c.offences,
           o.sex, o.age, o.child, p.linkable, p.salt
    FROM warehouse.offender o
    JOIN warehouse."case" c USING (case_id)
    JOIN warehouse.person p USING (person_id)
    WHERE persons IS NULL OR o.person_id = ANY (persons)
  ), first AS (
    SELECT DISTINCT ON (person_id, year) * FROM occ ORDER BY person_id, year, reported, case_id
  ), again AS (
    SELECT DISTINCT f.person_id, f.year FROM first f JOIN occ o ON o.person_id = f.person_id
    WHERE o.abuse > f.abuse AND o.reported > f.reported
      AND o.reported <= f.reported + interval '12 months'
  )
  SELECT f.year, f.region, f.agency, f.sex, analytics.age_band(f.age), f.child,
         CASE WHEN f.child OR NOT f.linkable THEN NULL
              WHEN f.reported + interval '12 months' > data_end THEN NULL
              ELSE a.person_id IS NOT NULL END,
         analytics.cap_items(f.offences, cap), warehouse.year_key(f.salt, 'offender', f.year),
         warehouse.row_key(f.salt, 'offender', f.year)
  FROM first f LEFT JOIN again a USING (person_id, year)
$$;
REVOKE ALL ON FUNCTION warehouse.offender_years(bigint[], date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.offender_years(bigint[], date, integer) TO wiqaya_loader;
