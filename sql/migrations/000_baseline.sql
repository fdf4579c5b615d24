-- The schema as migrations 001-010 left it, DDL only: what a new database starts from.
-- Those ten files restated every function at each change (1,600 lines, a third of them
-- superseded bodies); the functions now live in sql/functions, and this file replaces
-- the ten. A database that ran them has them recorded with the checksums below, and
-- wiqaya-etl migrate records this file as applied there without running it;
-- tests/integration/upgrade.sh checks that a database of the old migrations and one of
-- this file have the same schema, object for object, and the same analytics.
--
-- replaces: 001_roles_schemas.sql a5433bdcf6640209208c0330a746bfca624ee4a90680a3469208fe766cb92c25
-- replaces: 002_warehouse.sql 91ca189bcdc7f5471e1affd58df24b933527e16f359b4701097aa91594b3e57c
-- replaces: 003_analytics.sql 6c23ea07ef0cdd2fcaf95d54dbf1f123eefa523d9f269fde01fe79fe27e6f595
-- replaces: 004_analytics_model.sql fe18296e31181f7cdc7bbca57b79564149dfea4d2d08a6db9e1fe1e1d4da6000
-- replaces: 005_refs_censoring.sql 03f60abd39dc6671ef560daf8caf60aa4c4dc7e1f8481bd0b9ef314182b7d244
-- replaces: 006_disclosure.sql 91cd9b4fd019b570968cf40f4528340959e83f6e7fa96550ec04582a9f576e08
-- replaces: 007_ledger_charge.sql 05e7f61be0bcab3a9ea98e92c935599301832bfb59bce68eb8e654e35d8181f0
-- replaces: 008_support.sql 74d01f13ad87ce568db81c419f2a9df7c362e5629e53fedde59e39d5e2d6a68f
-- replaces: 009_token_notify.sql 645e2f24b4ece5263a81f10036d99c2c8898540cede3cb5def0a389dcd1ac678
-- replaces: 010_intake.sql 7c691b94022b6c5b78d846afcfd58c87dca54bf89307ee27107b649ba37e7ce1
--
-- Columns stand in the order the ten migrations gave them (victim.seq last, say), so
-- that both kinds of database are the same to the byte.

-- ---- roles and schemas (architecture.md's security design) ----

-- wiqaya_loader writes the warehouse and rebuilds the analytics; wiqaya_reader reads the
-- analytics only (and writes auth and audit). Neither may create objects; only
-- migrations do.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wiqaya_loader') THEN
    CREATE ROLE wiqaya_loader LOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wiqaya_reader') THEN
    CREATE ROLE wiqaya_reader LOGIN;
  END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA warehouse;
CREATE SCHEMA analytics;
CREATE SCHEMA auth;
CREATE SCHEMA audit;
REVOKE ALL ON SCHEMA warehouse, analytics, auth, audit FROM PUBLIC;
GRANT USAGE ON SCHEMA warehouse TO wiqaya_loader;
GRANT USAGE ON SCHEMA analytics TO wiqaya_loader, wiqaya_reader;
-- (In this order, the order 001-010 left the grants in.)
GRANT USAGE ON SCHEMA auth, audit TO wiqaya_reader;
GRANT USAGE ON SCHEMA auth, audit TO wiqaya_loader;

-- Only migrations create objects: no temporary tables, functions or views either. The
-- loader alone keeps TEMPORARY: it stages every chunk in temporary tables, and a
-- session-private table adds nothing to a role that writes the warehouse. The reader,
-- which faces the network, gets none. The cluster's own databases are not ours to read.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY, CONNECT ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO wiqaya_loader, wiqaya_reader',
                 current_database());
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO wiqaya_loader', current_database());
END
$$;
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;

-- ---- the warehouse (case-record.md) ----

-- Pseudonyms only: every identifier arrives here as a tier-2 keyed hash with its key
-- version; birth dates become ages, dates months. The bulk tables (persons, tokens,
-- cases, victims, offenders, interventions) carry no foreign keys: the loader is their
-- only writer and checks references itself, and per-row foreign-key triggers cost a
-- third of a load's database time (200,000 cases: 36 s with them, 23 s without).
-- warehouse.integrity() finds any orphan; the tests run it after every kind of load.

-- The storage-key version that every stored tier-2 value is hashed under.
CREATE TABLE warehouse.key_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  storage_version smallint NOT NULL DEFAULT 1 CHECK (storage_version BETWEEN 1 AND 255),
  rotated_at timestamptz
);
INSERT INTO warehouse.key_state DEFAULT VALUES;

-- A batch: a file, an HTTP request or a population file. batch_key: a keyed hash of the
-- input bytes (reloading is a no-op). Over HTTP: the agency, a keyed hash of its
-- Idempotency-Key (never the key itself), a keyed hash of the body (a retry or another
-- request under the same key), and the first definitive answer, returned again to a
-- retry (codes, pointers and counts: no value from any record).
CREATE TABLE warehouse.batch (
  batch_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_key bytea NOT NULL UNIQUE,
  key_version smallint NOT NULL,
  source text NOT NULL CHECK (source IN ('file', 'http', 'population')),
  loaded_at timestamptz NOT NULL DEFAULT now(),
  records integer NOT NULL DEFAULT 0,
  accepted integer NOT NULL DEFAULT 0,
  rejected integer NOT NULL DEFAULT 0,
  agency text,
  idempotency_key bytea CHECK (length(idempotency_key) = 32),
  body_hash bytea CHECK (length(body_hash) = 32),
  status smallint,
  response text
);
CREATE UNIQUE INDEX batch_idempotency ON warehouse.batch (idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- A person: a stable surrogate id assigned at first sight and kept through merges (the
-- lower id survives) and key rotations. scope 'p' holds victims and adult offenders, 'c'
-- children who harmed, whose tokens are under their own key and are unlinked after the
-- retention period. salt: random, not derived from any identifier, readable by the
-- loader only; the analytics' record and row keys come from it.
CREATE SEQUENCE warehouse.person_id_seq;
CREATE TABLE warehouse.person (
  person_id bigint PRIMARY KEY,
  scope char(1) NOT NULL CHECK (scope IN ('p', 'c')),
  linkable boolean NOT NULL,
  record_key bigint NOT NULL CHECK (record_key BETWEEN 0 AND 4294967295),
  merged_into bigint,
  first_batch bigint NOT NULL,
  salt bytea NOT NULL DEFAULT uuid_send(gen_random_uuid())
);

-- Linkage tokens, tier 2, each pointing at a surviving person: 1 a national ID (with its
-- issuing country, so that two IDs of one country veto a link; '??' for IDs stored
-- before countries were), 2 name and birth date, 4 a phonetic demo token (docs/privacy.md;
-- 3, the initials' token, joined siblings and twins and is no longer made).
CREATE TABLE warehouse.person_token (
  token bytea PRIMARY KEY CHECK (length(token) = 32),
  key_version smallint NOT NULL,
  kind smallint NOT NULL,
  person_id bigint NOT NULL,
  id_country text,
  CONSTRAINT person_token_check CHECK ((kind = 1) = (id_country IS NOT NULL)),
  CONSTRAINT person_token_kind_check CHECK (kind IN (1, 2, 4))
);
CREATE INDEX ON warehouse.person_token (person_id);

CREATE TABLE warehouse.person_merge (
  from_person bigint NOT NULL REFERENCES warehouse.person,
  into_person bigint NOT NULL REFERENCES warehouse.person,
  batch_id bigint NOT NULL REFERENCES warehouse.batch,
  merged_at timestamptz NOT NULL DEFAULT now()
);

-- Case ids come from a sequence the loader draws from, so that a case's record key
-- (derived from its id under the record-key subkey) is known before the row is written.
-- case_key: tier 2 of agency + case_ref.
CREATE SEQUENCE warehouse.case_id_seq;
CREATE TABLE warehouse."case" (
  case_id bigint PRIMARY KEY DEFAULT nextval('warehouse.case_id_seq'),
  case_key bytea NOT NULL UNIQUE CHECK (length(case_key) = 32),
  key_version smallint NOT NULL,
  agency text NOT NULL,
  reported date NOT NULL CHECK (extract(day FROM reported) = 1),
  incident date CHECK (extract(day FROM incident) = 1 AND incident <= reported),
  region text NOT NULL,
  offences text[] NOT NULL CHECK (cardinality(offences) >= 1),
  technology text[] NOT NULL DEFAULT '{}',
  detection text NOT NULL,
  financial boolean,
  status text NOT NULL,
  revision integer NOT NULL DEFAULT 1,
  record_key bigint NOT NULL CHECK (record_key BETWEEN 0 AND 4294967295),
  batch_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Victims and offenders by their position in the case (seq, 1-based, in submitted
-- order): a person's ref exists only to join persons and interventions within one case,
-- and an agency may use names or IDs as refs, so nothing of it is stored. A victim's
-- attributes are the columns of common/attribute.h.
CREATE TABLE warehouse.victim (
  case_id bigint NOT NULL,
  person_id bigint NOT NULL,
  sex text NOT NULL,
  age smallint NOT NULL CHECK (age BETWEEN 0 AND 120),
  gender_identity text NOT NULL,
  sexual_orientation text NOT NULL,
  ethnicity text NOT NULL,
  disability text NOT NULL,
  migrant_status text NOT NULL,
  economic_status text NOT NULL,
  education_status text NOT NULL,
  relationship text NOT NULL,
  seq smallint NOT NULL,
  PRIMARY KEY (case_id, seq)
);
CREATE INDEX ON warehouse.victim (person_id);

CREATE TABLE warehouse.offender (
  case_id bigint NOT NULL,
  person_id bigint NOT NULL,
  sex text NOT NULL,
  age smallint CHECK (age BETWEEN 0 AND 120),
  child boolean NOT NULL,    -- under 18 at the incident: a child who harmed
  seq smallint NOT NULL,
  PRIMARY KEY (case_id, seq)
);
CREATE INDEX ON warehouse.offender (person_id);

-- An intervention names its person by role ('v' or 'o') and position in the case.
CREATE TABLE warehouse.intervention (
  case_id bigint NOT NULL,
  seq smallint NOT NULL,
  type text NOT NULL,
  level text NOT NULL,
  started date NOT NULL CHECK (extract(day FROM started) = 1),
  completed boolean,
  outcome text,
  person_role char(1) NOT NULL CHECK (person_role IN ('v', 'o')),
  person_seq smallint NOT NULL,
  PRIMARY KEY (case_id, seq)
);

-- Denominators by single year of age; dims holds the extra dimensions of a population
-- file ({"disability": "none"}), '{}' for the plain table.
CREATE TABLE warehouse.population (
  year smallint NOT NULL,
  region text NOT NULL,
  sex text NOT NULL,
  age smallint NOT NULL CHECK (age BETWEEN 0 AND 120),
  dims jsonb NOT NULL DEFAULT '{}',
  population integer NOT NULL CHECK (population >= 0),
  PRIMARY KEY (year, region, sex, age, dims)
);

-- Rejected records: codes, pointers and messages only, never a value from the record.
CREATE TABLE warehouse.reject (
  batch_id bigint NOT NULL REFERENCES warehouse.batch ON DELETE CASCADE,
  record_no integer NOT NULL,
  line bigint,
  code text NOT NULL,
  pointer text,
  message text NOT NULL
);
CREATE INDEX ON warehouse.reject (batch_id);

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

GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA warehouse TO wiqaya_loader;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA warehouse TO wiqaya_loader;

-- ---- the analytics (api.md's model; sql/functions/analytics builds them) ----

-- Codes, months and record keys only: no pseudonym, no person id, no single year of age,
-- no date finer than a year. Record keys per child, fact and year (rows of one child do
-- not link across years or facts); row keys (16 bytes) say which person-year or case a
-- row came from, so that a refresh replaces exactly the rows of what changed, and the
-- reader cannot read them (its grants here are per column).

-- The data version (bumped and notified on wiqaya_data_version by every build), the
-- years the data span (a query without a period spans them all), the most items one
-- child-year contributes to a multi-valued dimension, the last month of the data
-- (outcomes censored after it) and the years any row may have (for the refresh).
CREATE TABLE analytics.data_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version bigint NOT NULL DEFAULT 0,
  rebuilt_at timestamptz,
  first_year smallint,
  last_year smallint,
  item_cap smallint NOT NULL DEFAULT 4,
  last_month date,
  year_lo smallint,
  year_hi smallint
);
INSERT INTO analytics.data_version DEFAULT VALUES;

-- One row per victim-year (docs/indicators.md's counting rules), with its
-- re-victimisation outcome (null: censored or unlinkable), the month of it (a dimension:
-- the event times of the Kaplan-Meier curves), the support of its first case ('none'
-- when none) and whether it is the child's first victim-year in the warehouse.
CREATE TABLE analytics.victim_year (
  year smallint NOT NULL,
  region text NOT NULL,
  agency text NOT NULL,
  sex text NOT NULL,
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
  record_key bigint NOT NULL,
  revictimised_12m boolean,
  months_to_revictimisation smallint,
  support text[] NOT NULL DEFAULT '{none}',
  revictimisation_month text GENERATED ALWAYS AS (months_to_revictimisation::text) STORED,
  first_report boolean NOT NULL DEFAULT false,
  row_key bytea NOT NULL
);
CREATE INDEX ON analytics.victim_year (row_key);

-- One row per case, with the justice stage reached (0 reported .. 4 convicted or
-- acquitted; -1 diverted or closed) and who harmed: adults, children, both, or no
-- offender identified (the justice pathway is always broken down by it).
CREATE TABLE analytics.case_fact (
  year smallint NOT NULL,
  region text NOT NULL,
  agency text NOT NULL,
  detection text NOT NULL,
  financial boolean,
  status text NOT NULL,
  stage smallint NOT NULL,
  charged boolean NOT NULL,
  offences text[] NOT NULL,
  technology text[] NOT NULL,
  record_key bigint NOT NULL,
  offender_group text NOT NULL DEFAULT 'unidentified',
  row_key bytea NOT NULL
);
CREATE INDEX ON analytics.case_fact (row_key);
CREATE INDEX ON analytics.case_fact (year);

-- One row per offender-year: children who harmed apart; re-offending for adults with a
-- linkable pseudonym (null: censored, a child, or unlinkable).
CREATE TABLE analytics.offender_year (
  year smallint NOT NULL,
  region text NOT NULL,
  agency text NOT NULL,
  sex text NOT NULL,
  age_band text,
  child boolean NOT NULL,
  reoffended_12m boolean,
  offences text[] NOT NULL,
  record_key bigint NOT NULL,
  row_key bytea NOT NULL
);
CREATE INDEX ON analytics.offender_year (row_key);

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
  record_key bigint NOT NULL,
  row_key bytea NOT NULL
);
CREATE INDEX ON analytics.intervention_fact (row_key);
CREATE INDEX ON analytics.intervention_fact (year);

-- Population denominators by age band.
CREATE TABLE analytics.population (
  year smallint NOT NULL,
  region text NOT NULL,
  sex text NOT NULL,
  age smallint NOT NULL,
  age_band text NOT NULL,
  dims jsonb NOT NULL,
  population integer NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA analytics TO wiqaya_loader;
GRANT SELECT ON analytics.data_version, analytics.population TO wiqaya_reader;
-- Every column but the row key.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['victim_year', 'case_fact', 'offender_year', 'intervention_fact'] LOOP
    EXECUTE (SELECT format('GRANT SELECT (%s) ON analytics.%I TO wiqaya_reader',
                           string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position), t)
             FROM information_schema.columns
             WHERE table_schema = 'analytics' AND table_name = t AND column_name <> 'row_key');
  END LOOP;
END
$$;

-- ---- auth: tokens, the ledger, the public releases (docs/privacy.md) ----

-- token_id 0 is the public (no token): the holder of the public budget. Its hash is null,
-- so no presented token can match it. Tokens are kept only as keyed hashes.
CREATE TABLE auth.token (
  token_id integer PRIMARY KEY,
  hash bytea UNIQUE CHECK (length(hash) = 32),
  role text NOT NULL CHECK (role IN ('public', 'submitter', 'researcher', 'policy', 'admin')),
  agency text,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  CONSTRAINT token_check CHECK ((role = 'submitter') = (agency IS NOT NULL)),
  CONSTRAINT token_check1 CHECK ((role = 'public') = (hash IS NULL))
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

-- The reader adds to the ledger and never changes or removes a row of it; the loader
-- reads tokens only through auth.lookup() (sql/functions).
GRANT SELECT, INSERT, UPDATE, DELETE ON auth.token TO wiqaya_reader;
GRANT USAGE, SELECT ON SEQUENCE auth.token_id_seq TO wiqaya_reader;
GRANT SELECT, INSERT ON auth.released, auth.spend, auth.public_release TO wiqaya_reader;

-- ---- audit: the hash chain ----

-- One row per query answered, per token change and per submission. body is the row's
-- canonical JSON as written (text, so that the hash can be recomputed byte for byte);
-- hash is a keyed BLAKE2b of (previous hash, seq, at, body). No identifier and no token
-- in any row. Append-only: the roles add and read rows, never change or remove them; the
-- loader appends without reading (the chain's tail comes from audit.tail()).
CREATE TABLE audit.log (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('query', 'token', 'submission')),
  body text NOT NULL,
  hash bytea NOT NULL CHECK (length(hash) = 32)
);
GRANT SELECT, INSERT ON audit.log TO wiqaya_reader;
GRANT INSERT ON audit.log TO wiqaya_loader;

-- ---- what later migrations' objects get ----

-- Tables of warehouse and analytics created by a later migration get the grants above;
-- auth and audit grant each table by hand.
ALTER DEFAULT PRIVILEGES IN SCHEMA warehouse
  GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO wiqaya_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA warehouse GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO wiqaya_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics
  GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO wiqaya_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO wiqaya_reader;
