-- Disclosure control and access (docs/privacy.md, issue "who may ask what"):
-- 1. auth: tokens (only keyed hashes), the ledger of released cells and the epsilon spent
--    per token, and the public releases of the dashboard's fixed tables.
-- 2. audit: an append-only log whose rows carry a keyed hash of the previous row.
-- 3. The analytics tables hold only what the published indicators need: record keys per
--    child and year (rows of one child do not link across years or facts), age bands and
--    no single year of age, no month, derived outcomes precomputed.
-- 4. The roles lose what the docs never promised them: TEMP, CONNECT on other databases,
--    the loader's default SELECT on auth.

-- ---- 1. auth ----

-- token_id 0 is the public (no token): the holder of the public budget. Its hash is null,
-- so no presented token can match it.
CREATE TABLE auth.token (
  token_id integer PRIMARY KEY,
  hash bytea UNIQUE CHECK (length(hash) = 32),
  role text NOT NULL CHECK (role IN ('public', 'submitter', 'researcher', 'policy', 'admin')),
  agency text,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  CHECK ((role = 'submitter') = (agency IS NOT NULL)),
  CHECK ((role = 'public') = (hash IS NULL))
);
CREATE SEQUENCE auth.token_id_seq OWNED BY auth.token.token_id;
INSERT INTO auth.token (token_id, role, name) VALUES (0, 'public', 'the public (no token)');

-- Cells a token has seen, by cell identity (a keyed hash of the cell's definition and
-- cell key under the server's ledger subkey: neither the cell key nor its noise can be
-- learnt from it). A query releasing only remembered cells costs nothing.
CREATE TABLE auth.released (
  token_id integer NOT NULL REFERENCES auth.token,
  cell bytea NOT NULL CHECK (length(cell) = 16),
  first_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (token_id, cell)
);

-- Epsilon charged, per query that released a new cell; the budget is over 30 days.
CREATE TABLE auth.spend (
  token_id integer NOT NULL REFERENCES auth.token,
  at timestamptz NOT NULL DEFAULT now(),
  epsilon double precision NOT NULL CHECK (epsilon > 0)
);
CREATE INDEX ON auth.spend (token_id, at);

-- The dashboard's fixed tables, released once per data version (the protected answer as
-- served, never the exact one).
CREATE TABLE auth.public_release (
  query text NOT NULL,
  data_version bigint NOT NULL,
  body text NOT NULL,
  released_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (query, data_version)
);

-- Both programs check tokens through this function (the intake too, as the loader, which
-- cannot read auth.token): the row of a keyed hash, never the table.
CREATE FUNCTION auth.lookup(h bytea)
RETURNS TABLE (token_id integer, role text, agency text, expires_at timestamptz,
               revoked_at timestamptz, hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT t.token_id, t.role, t.agency, t.expires_at, t.revoked_at, t.hash
  FROM auth.token t WHERE t.hash = h
$$;
REVOKE ALL ON FUNCTION auth.lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.lookup(bytea) TO wiqaya_loader, wiqaya_reader;

GRANT SELECT, INSERT, UPDATE ON auth.token TO wiqaya_reader;
GRANT USAGE ON SEQUENCE auth.token_id_seq TO wiqaya_reader;
GRANT SELECT, INSERT ON auth.released, auth.spend, auth.public_release TO wiqaya_reader;
REVOKE UPDATE, DELETE, TRUNCATE ON auth.released, auth.spend, auth.public_release
  FROM wiqaya_reader;
REVOKE ALL ON ALL TABLES IN SCHEMA auth FROM wiqaya_loader;

-- ---- 2. audit ----

-- One row per query answered and per token change. body is the row's canonical JSON as
-- written (text, so that the hash can be recomputed byte for byte); hash is a keyed
-- BLAKE2b of (previous hash, seq, at, body) under the server's audit subkey. No
-- identifier and no token in any row: token ids, normalised queries, counts.
CREATE TABLE audit.log (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('query', 'token')),
  body text NOT NULL,
  hash bytea NOT NULL CHECK (length(hash) = 32)
);
-- Append-only: the roles may add and read rows, never change or remove them.
REVOKE ALL ON audit.log FROM wiqaya_loader, wiqaya_reader;
GRANT SELECT, INSERT ON audit.log TO wiqaya_reader;

-- ---- 3. the analytics tables, minimised ----

-- A per-person random salt (not derived from any identifier, readable by the loader
-- only) from which the rebuild derives a record key per fact and year.
ALTER TABLE warehouse.person ADD COLUMN salt bytea NOT NULL DEFAULT uuid_send(gen_random_uuid());

CREATE FUNCTION warehouse.year_key(salt bytea, fact text, year integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ('x' || encode(substr(sha256(salt || convert_to(fact || ':' || year, 'UTF8')), 1, 4),
                        'hex'))::bit(32)::bigint
$$;
REVOKE ALL ON FUNCTION warehouse.year_key(bytea, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.year_key(bytea, text, integer) TO wiqaya_loader;

ALTER TABLE analytics.victim_year DROP COLUMN age, DROP COLUMN first_month,
  DROP COLUMN linkable;
ALTER TABLE analytics.case_fact DROP COLUMN month, DROP COLUMN victims;
ALTER TABLE analytics.offender_year DROP COLUMN age, DROP COLUMN linkable;

-- What disclosure control needs to know of the data: the years it spans (a query without
-- a period spans them all) and the most items one child-year contributes to a
-- multi-valued dimension (offences, technology are cut to this many, in code order).
ALTER TABLE analytics.data_version ADD COLUMN first_year smallint,
  ADD COLUMN last_year smallint, ADD COLUMN item_cap smallint NOT NULL DEFAULT 4;

CREATE FUNCTION analytics.cap_items(a text[], cap integer) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a[1:cap] $$;
GRANT EXECUTE ON FUNCTION analytics.cap_items(text[], integer) TO wiqaya_loader;

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
    record_key, revictimised_12m, months_to_revictimisation, psychosocial_support)
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
  ), support AS (
    SELECT DISTINCT f.person_id, f.year
    FROM first f JOIN warehouse.intervention i
      ON i.case_id = f.case_id AND i.person_role = 'v' AND i.person_seq = f.seq
     AND i.type = 'psychosocial_support'
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
         sp.person_id IS NOT NULL
  FROM first f JOIN offs s USING (person_id, year)
  LEFT JOIN techs t USING (person_id, year)
  LEFT JOIN again a USING (person_id, year)
  LEFT JOIN support sp USING (person_id, year);

  INSERT INTO analytics.case_fact (year, region, agency, detection, financial, status, stage,
    charged, offences, technology, record_key)
  SELECT extract(year FROM c.reported)::smallint, c.region, c.agency, c.detection,
         c.financial, c.status, analytics.stage(c.status), analytics.stage(c.status) >= 2,
         analytics.cap_items(c.offences, cap), analytics.cap_items(c.technology, cap),
         c.record_key
  FROM warehouse."case" c;

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

-- ---- 4. the roles ----

-- Only migrations create objects: no temporary tables, functions or views either. The
-- loader alone keeps TEMPORARY: it stages every chunk in temporary tables (COPY, then one
-- INSERT ... SELECT), and a session-private table adds nothing to a role that writes the
-- warehouse. The reader, which faces the network, gets none.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY, CONNECT ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO wiqaya_loader, wiqaya_reader',
                 current_database());
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO wiqaya_loader', current_database());
END
$$;
-- The cluster's own databases are not ours to read.
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;

ALTER DEFAULT PRIVILEGES IN SCHEMA auth REVOKE SELECT ON TABLES FROM wiqaya_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth REVOKE ALL ON TABLES FROM wiqaya_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth REVOKE ALL ON SEQUENCES FROM wiqaya_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA audit REVOKE ALL ON TABLES FROM wiqaya_loader, wiqaya_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA audit REVOKE ALL ON SEQUENCES FROM wiqaya_loader, wiqaya_reader;
REVOKE ALL ON SCHEMA audit FROM wiqaya_loader;
-- The loader reads tokens only through auth.lookup (SECURITY DEFINER, owned by the admin).
REVOKE ALL ON SCHEMA auth FROM wiqaya_loader;
GRANT USAGE ON SCHEMA auth TO wiqaya_loader;

-- Existing rows get their new record keys.
SELECT warehouse.rebuild_analytics() WHERE EXISTS (SELECT 1 FROM warehouse."case");
