-- The intake API (docs/intake.md): batches that came over HTTP with their idempotency key
-- and stored first answer; the refresh queue and the incremental refresh of the analytics
-- tables, which gives exactly what a full rebuild gives; submissions in the audit chain.

-- ---- 1. batches over HTTP ----

-- idempotency_key: a keyed hash (the batch subkey) of the agency and the client's
-- Idempotency-Key, never the key itself; body_hash: a keyed hash of the request body, to
-- tell a retry from a different request under the same key; status and response: the
-- first definitive answer, returned again to a retry (codes, pointers and counts: no
-- value from any record). A key is forgotten after [intake] idempotency_hours.
ALTER TABLE warehouse.batch
  ADD COLUMN agency text,
  ADD COLUMN idempotency_key bytea CHECK (length(idempotency_key) = 32),
  ADD COLUMN body_hash bytea CHECK (length(body_hash) = 32),
  ADD COLUMN status smallint,
  ADD COLUMN response text;
CREATE UNIQUE INDEX batch_idempotency ON warehouse.batch (idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- ---- 2. the refresh queue ----

-- What a write changed and the analytics tables do not show yet: persons (with the salt
-- they had, so that the rows of a person since merged away or removed can still be
-- found), cases, and new population denominators. Written in the transaction of the
-- change; emptied by the refresh (or the full rebuild) that shows it.
CREATE TABLE warehouse.refresh_queue (
  queued_at timestamptz NOT NULL DEFAULT now(),
  person_id bigint,
  salt bytea,
  case_id bigint,
  population boolean NOT NULL DEFAULT false,
  CHECK ((person_id IS NULL) = (salt IS NULL))
);
CREATE INDEX ON warehouse.refresh_queue (queued_at);

-- Row keys: which analytics row came from which person-year (or case), so that a refresh
-- can replace exactly the rows of what changed. 16 bytes (the 32-bit record keys collide
-- within a year of a large warehouse), from the person's salt and the year like the
-- record key, under another label: rows of one person in two years share nothing.
CREATE FUNCTION warehouse.row_key(salt bytea, fact text, year integer) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT substr(sha256(salt || convert_to('row:' || fact || ':' || year, 'UTF8')), 1, 16)
$$;
REVOKE ALL ON FUNCTION warehouse.row_key(bytea, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.row_key(bytea, text, integer) TO wiqaya_loader;

ALTER TABLE analytics.victim_year ADD COLUMN row_key bytea;
ALTER TABLE analytics.case_fact ADD COLUMN row_key bytea;
ALTER TABLE analytics.offender_year ADD COLUMN row_key bytea;
ALTER TABLE analytics.intervention_fact ADD COLUMN row_key bytea;
CREATE INDEX ON analytics.victim_year (row_key);
CREATE INDEX ON analytics.case_fact (row_key);
CREATE INDEX ON analytics.offender_year (row_key);
CREATE INDEX ON analytics.intervention_fact (row_key);
-- The reader never needs a row key: it reads every column of these tables but that one
-- (a column grant; a later migration that adds a column grants it too).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['victim_year', 'case_fact', 'offender_year', 'intervention_fact'] LOOP
    EXECUTE format('REVOKE SELECT ON analytics.%I FROM wiqaya_reader', t);
    EXECUTE (SELECT format('GRANT SELECT (%s) ON analytics.%I TO wiqaya_reader',
                           string_agg(quote_ident(column_name), ', '), t)
             FROM information_schema.columns
             WHERE table_schema = 'analytics' AND table_name = t AND column_name <> 'row_key');
  END LOOP;
END
$$;
-- The years the tables span, by index (analytics_built, after every refresh).
CREATE INDEX ON analytics.case_fact (year);
CREATE INDEX ON analytics.intervention_fact (year);

-- What the tables were built with: the last month of the data (outcomes censored after
-- it) and the years any row may have, so that a refresh knows which keys to look for.
ALTER TABLE analytics.data_version ADD COLUMN last_month date,
  ADD COLUMN year_lo smallint, ADD COLUMN year_hi smallint;

-- ---- 3. one builder, for the full rebuild and the refresh ----

-- Inserts the analytics rows of everything (queued = false) or only of the persons in
-- rq_person and the cases in rq_case (temporary tables of the refresh). One text of
-- the counting rules (api.md), so that the two can never disagree: the filter is the only
-- difference. Rows go in by row key (ORDER BY its column): the row-key indexes then grow
-- at their right edge, which made the full rebuild of 200,000 cases 17 s instead of 28 s.
CREATE FUNCTION warehouse.build_analytics(queued boolean, last_month date, cap integer)
RETURNS void LANGUAGE plpgsql AS $build$
DECLARE
  fv text := CASE WHEN queued THEN 'v.person_id IN (SELECT person_id FROM rq_person)' ELSE 'true' END;
  fo text := CASE WHEN queued THEN 'o.person_id IN (SELECT person_id FROM rq_person)' ELSE 'true' END;
  fc text := CASE WHEN queued THEN 'c.case_id IN (SELECT case_id FROM rq_case)' ELSE 'true' END;
  fw text := CASE WHEN queued THEN 'case_id IN (SELECT case_id FROM rq_case)' ELSE 'true' END;
  -- interventions: by their cases first, so that the planner starts from the few rows
  fi text := CASE WHEN queued THEN 'i.case_id IN (SELECT case_id FROM warehouse.victim'
    ' WHERE person_id IN (SELECT person_id FROM rq_person) UNION SELECT case_id FROM'
    ' warehouse.offender WHERE person_id IN (SELECT person_id FROM rq_person))'
    ' AND p.person_id IN (SELECT person_id FROM rq_person)' ELSE 'true' END;
BEGIN
  -- Victim-years (counting rules of api.md) with re-victimisation by linkage: a later
  -- case of the same child whose abuse month (incident, else reported) is after the
  -- first case's, reported in months m+1..m+12 of the first case's month m.
  EXECUTE format($q$
  INSERT INTO analytics.victim_year (year, region, agency, sex, age_band, gender_identity,
    sexual_orientation, ethnicity, disability, migrant_status, economic_status,
    education_status, relationship, detection, financial, status, offences, technology,
    record_key, revictimised_12m, months_to_revictimisation, support, first_report, row_key)
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
    WHERE %s
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
         f.status, analytics.cap_items(s.offences, $2),
         analytics.cap_items(coalesce(t.technology, '{}'), $2),
         warehouse.year_key(f.salt, 'victim', f.year),
         -- Censored first: a victim-year whose month m+12 is beyond the data has no
         -- known outcome, whatever was already seen before the data end.
         CASE WHEN NOT f.linkable THEN NULL
              WHEN f.reported + interval '12 months' > $1 THEN NULL
              ELSE a.months IS NOT NULL END,
         CASE WHEN f.linkable AND f.reported + interval '12 months' <= $1
              THEN a.months END,
         coalesce(sp.types, '{none}'), db.person_id IS NOT NULL,
         warehouse.row_key(f.salt, 'victim', f.year)
  FROM first f JOIN offs s USING (person_id, year)
  LEFT JOIN techs t USING (person_id, year)
  LEFT JOIN again a USING (person_id, year)
  LEFT JOIN support sp USING (person_id, year)
  LEFT JOIN debut db USING (person_id, year)
  ORDER BY 24
  $q$, fv) USING last_month, cap;

  EXECUTE format($q$
  INSERT INTO analytics.case_fact (year, region, agency, detection, financial, status, stage,
    charged, offences, technology, record_key, offender_group, row_key)
  WITH who AS (
    SELECT case_id, bool_or(child) AS children, bool_or(NOT child) AS adults
    FROM warehouse.offender WHERE %s GROUP BY case_id
  )
  SELECT extract(year FROM c.reported)::smallint, c.region, c.agency, c.detection,
         c.financial, c.status, analytics.stage(c.status), analytics.stage(c.status) >= 2,
         analytics.cap_items(c.offences, $1), analytics.cap_items(c.technology, $1),
         c.record_key,
         CASE WHEN w.children AND w.adults THEN 'mixed' WHEN w.children THEN 'child'
              WHEN w.adults THEN 'adult' ELSE 'unidentified' END,
         warehouse.row_key(c.case_key, 'case', 0)
  FROM warehouse."case" c LEFT JOIN who w USING (case_id)
  WHERE %s
  ORDER BY 13
  $q$, fw, fc) USING cap;

  -- Offender-years: children who harmed apart; re-offending like re-victimisation, for
  -- adults with a linkable pseudonym.
  EXECUTE format($q$
  INSERT INTO analytics.offender_year (year, region, agency, sex, age_band, child,
    reoffended_12m, offences, record_key, row_key)
  WITH occ AS (
    SELECT o.person_id, extract(year FROM c.reported)::smallint AS year, c.reported,
           coalesce(c.incident, c.reported) AS abuse, c.case_id, c.region, c.agency, c.offences,
           o.sex, o.age, o.child, p.linkable, p.salt
    FROM warehouse.offender o
    JOIN warehouse."case" c USING (case_id)
    JOIN warehouse.person p USING (person_id)
    WHERE %s
  ), first AS (
    SELECT DISTINCT ON (person_id, year) * FROM occ ORDER BY person_id, year, reported, case_id
  ), again AS (
    SELECT DISTINCT f.person_id, f.year FROM first f JOIN occ o ON o.person_id = f.person_id
    WHERE o.abuse > f.abuse AND o.reported > f.reported
      AND o.reported <= f.reported + interval '12 months'
  )
  SELECT f.year, f.region, f.agency, f.sex, analytics.age_band(f.age), f.child,
         CASE WHEN f.child OR NOT f.linkable THEN NULL
              WHEN f.reported + interval '12 months' > $1 THEN NULL
              ELSE a.person_id IS NOT NULL END,
         analytics.cap_items(f.offences, $2), warehouse.year_key(f.salt, 'offender', f.year),
         warehouse.row_key(f.salt, 'offender', f.year)
  FROM first f LEFT JOIN again a USING (person_id, year)
  ORDER BY 10
  $q$, fo) USING last_month, cap;

  EXECUTE format($q$
  INSERT INTO analytics.intervention_fact (year, region, agency, person_kind, sex, age_band,
    type, level, completed, outcome, record_key, row_key)
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
  WHERE %s
  ORDER BY 12
  $q$, fi);
END
$build$;
REVOKE ALL ON FUNCTION warehouse.build_analytics(boolean, date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.build_analytics(boolean, date, integer) TO wiqaya_loader;

-- The lock that orders the full rebuild and the refresh (each sees the other's result).
CREATE FUNCTION warehouse.refresh_lock() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 7305420002::bigint $$;
GRANT EXECUTE ON FUNCTION warehouse.refresh_lock() TO wiqaya_loader;

-- The tables' bookkeeping after a build: the new version, the years, the last month.
CREATE FUNCTION warehouse.analytics_built(last_month date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
  c_lo smallint; c_hi smallint; i_lo smallint; i_hi smallint;
BEGIN
  SELECT min(year), max(year) INTO c_lo, c_hi FROM analytics.case_fact;
  SELECT min(year), max(year) INTO i_lo, i_hi FROM analytics.intervention_fact;
  UPDATE analytics.data_version SET version = version + 1, rebuilt_at = now(),
    first_year = c_lo, last_year = c_hi,
    year_lo = least(c_lo, i_lo), year_hi = greatest(c_hi, i_hi),
    last_month = analytics_built.last_month
  RETURNING version INTO v;
  PERFORM pg_notify('wiqaya_data_version', v::text);
  RETURN v;
END
$$;
REVOKE ALL ON FUNCTION warehouse.analytics_built(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.analytics_built(date) TO wiqaya_loader;

-- Rebuilds every analytics table from the warehouse in the caller's transaction (batch
-- loads, rekey, retention, wiqaya-etl refresh): what was queued is shown by it.
CREATE OR REPLACE FUNCTION warehouse.rebuild_analytics() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  last_month date;
  cap integer;
BEGIN
  PERFORM pg_advisory_xact_lock(warehouse.refresh_lock());
  -- The queue as this statement sees it: every later statement sees at least as much.
  DELETE FROM warehouse.refresh_queue;
  -- The data end here: outcomes whose 12-month window passes this month are censored.
  SELECT max(reported) INTO last_month FROM warehouse."case";
  SELECT item_cap INTO cap FROM analytics.data_version;
  TRUNCATE analytics.victim_year, analytics.case_fact, analytics.offender_year,
           analytics.intervention_fact, analytics.population;
  PERFORM warehouse.build_analytics(false, last_month, cap);
  INSERT INTO analytics.population
  SELECT year, region, sex, age, analytics.age_band(age), dims, population
  FROM warehouse.population;
  RETURN warehouse.analytics_built(last_month);
END
$$;
ALTER FUNCTION warehouse.rebuild_analytics() SET enable_nestloop = off;

-- Brings the analytics tables up to date with the queue: the rows of every queued person
-- (all its years: a new case can change an earlier year's re-victimisation, a merge all
-- of them) and case are replaced, and when the data's last month has moved, so are the
-- rows of everyone whose censoring it changes. Must run in a REPEATABLE READ transaction
-- under the caller's session lock on warehouse.refresh_lock() (etl/refresher.c): the
-- queue it empties is then exactly what its one snapshot shows. Returns the new data
-- version, or NULL when there was nothing to do.
CREATE FUNCTION warehouse.refresh_analytics() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  last_month date;
  d analytics.data_version%ROWTYPE;
  pop boolean;
BEGIN
  IF current_setting('transaction_isolation') <> 'repeatable read' THEN
    RAISE EXCEPTION 'warehouse.refresh_analytics() needs a REPEATABLE READ transaction';
  END IF;
  SELECT * INTO d FROM analytics.data_version;
  SELECT max(reported) INTO last_month FROM warehouse."case";
  SELECT bool_or(population) INTO pop FROM warehouse.refresh_queue;
  IF pop IS NULL AND last_month IS NOT DISTINCT FROM d.last_month THEN
    RETURN NULL;
  END IF;
  -- A queue holding much of the warehouse (a large load with --no-refresh) is rebuilt
  -- whole: the same tables, sooner.
  IF (SELECT count(DISTINCT person_id) FROM warehouse.refresh_queue) >
     greatest(10000, 0.2 * (SELECT reltuples FROM pg_class
                            WHERE oid = 'warehouse.person'::regclass)) THEN
    RETURN warehouse.rebuild_analytics();
  END IF;

  CREATE TEMP TABLE rq_person ON COMMIT DROP AS
    SELECT DISTINCT person_id, salt FROM warehouse.refresh_queue WHERE person_id IS NOT NULL;
  CREATE TEMP TABLE rq_case ON COMMIT DROP AS
    SELECT DISTINCT case_id FROM warehouse.refresh_queue WHERE case_id IS NOT NULL;
  -- Censoring follows the last month: persons with a case in the months that moved in
  -- or out of the 12-month window.
  IF last_month IS DISTINCT FROM d.last_month AND d.last_month IS NOT NULL THEN
    INSERT INTO rq_person
    SELECT x.person_id, p.salt FROM (
      SELECT v.person_id FROM warehouse.victim v JOIN warehouse."case" c USING (case_id)
      WHERE c.reported > least(d.last_month, last_month) - interval '12 months'
        AND c.reported <= greatest(d.last_month, last_month) - interval '12 months'
      UNION
      SELECT o.person_id FROM warehouse.offender o JOIN warehouse."case" c USING (case_id)
      WHERE c.reported > least(d.last_month, last_month) - interval '12 months'
        AND c.reported <= greatest(d.last_month, last_month) - interval '12 months') x
    JOIN warehouse.person p USING (person_id);
  END IF;
  ANALYZE rq_person;
  ANALYZE rq_case;

  IF d.year_lo IS NOT NULL THEN
    CREATE TEMP TABLE rq_key ON COMMIT DROP AS
      SELECT f.fact, warehouse.row_key(q.salt, f.fact, y) AS key
      FROM (SELECT DISTINCT salt FROM rq_person) q,
           generate_series(d.year_lo::int, d.year_hi::int) y,
           (VALUES ('victim'), ('offender'), ('intervention')) f (fact);
    ANALYZE rq_key;
    -- = ANY(ARRAY(...)): probes of the row_key index, not a scan of the table
    DELETE FROM analytics.victim_year
      WHERE row_key = ANY (ARRAY(SELECT key FROM rq_key WHERE fact = 'victim'));
    DELETE FROM analytics.offender_year
      WHERE row_key = ANY (ARRAY(SELECT key FROM rq_key WHERE fact = 'offender'));
    DELETE FROM analytics.intervention_fact
      WHERE row_key = ANY (ARRAY(SELECT key FROM rq_key WHERE fact = 'intervention'));
    DELETE FROM analytics.case_fact WHERE row_key = ANY (ARRAY(
      SELECT warehouse.row_key(c.case_key, 'case', 0)
      FROM rq_case q JOIN warehouse."case" c USING (case_id)));
  END IF;
  PERFORM warehouse.build_analytics(true, last_month, d.item_cap);
  IF pop THEN
    DELETE FROM analytics.population;
    INSERT INTO analytics.population
    SELECT year, region, sex, age, analytics.age_band(age), dims, population
    FROM warehouse.population;
  END IF;
  DELETE FROM warehouse.refresh_queue;
  RETURN warehouse.analytics_built(last_month);
END
$$;
REVOKE ALL ON FUNCTION warehouse.refresh_analytics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.refresh_analytics() TO wiqaya_loader;

SELECT warehouse.rebuild_analytics() WHERE EXISTS (SELECT 1 FROM warehouse."case");
ALTER TABLE analytics.victim_year ALTER COLUMN row_key SET NOT NULL;
ALTER TABLE analytics.case_fact ALTER COLUMN row_key SET NOT NULL;
ALTER TABLE analytics.offender_year ALTER COLUMN row_key SET NOT NULL;
ALTER TABLE analytics.intervention_fact ALTER COLUMN row_key SET NOT NULL;

-- ---- 4. submissions in the audit chain ----

-- The intake appends one row per submission (batch, agency, counts: no identifier) to
-- the same chain as the server's queries, under the same lock; the chain's key is a
-- subkey of the token key, which both programs hold (common/audit_chain.h).
ALTER TABLE audit.log DROP CONSTRAINT log_kind_check,
  ADD CONSTRAINT log_kind_check CHECK (kind IN ('query', 'token', 'submission'));
-- The loader appends without reading the log: the chain's tail (the last row's seq and
-- hash, what a new row is chained to) comes from a function, never a row's body.
CREATE FUNCTION audit.tail(OUT seq bigint, OUT hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT seq, hash FROM audit.log ORDER BY seq DESC LIMIT 1
$$;
REVOKE ALL ON FUNCTION audit.tail() FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO wiqaya_loader;
GRANT EXECUTE ON FUNCTION audit.tail() TO wiqaya_loader, wiqaya_reader;
GRANT INSERT ON audit.log TO wiqaya_loader;
