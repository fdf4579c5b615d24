-- The person-level warehouse (case-record.md). Pseudonyms only: every identifier arrives
-- here as a tier-2 keyed hash with its key version; birth dates become ages, dates months.
--
-- The bulk tables (persons, tokens, cases, victims, offenders, interventions) carry no
-- foreign keys: the loader is their only writer and checks references itself, and
-- per-row foreign-key triggers cost a third of a load's database time (measured on
-- 200,000 cases: 36 s with them, 23 s without). warehouse.integrity() finds any orphan;
-- the tests run it after every kind of load.

-- The storage-key version that every stored tier-2 value is hashed under (pseudonymisation.md).
CREATE TABLE warehouse.key_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  storage_version smallint NOT NULL DEFAULT 1 CHECK (storage_version BETWEEN 1 AND 255),
  rotated_at timestamptz
);
INSERT INTO warehouse.key_state DEFAULT VALUES;

CREATE TABLE warehouse.batch (
  batch_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_key bytea NOT NULL UNIQUE,      -- keyed hash of the input bytes: reloading is a no-op
  key_version smallint NOT NULL,
  source text NOT NULL CHECK (source IN ('file', 'http', 'population')),
  loaded_at timestamptz NOT NULL DEFAULT now(),
  records integer NOT NULL DEFAULT 0,
  accepted integer NOT NULL DEFAULT 0,
  rejected integer NOT NULL DEFAULT 0
);

-- A person: a stable surrogate id assigned at first sight and kept through merges (the
-- lower id survives) and key rotations. scope 'p' holds victims and adult offenders, 'c'
-- children who harmed, whose tokens are under their own key and are unlinked after the
-- retention period.
CREATE SEQUENCE warehouse.person_id_seq;
CREATE TABLE warehouse.person (
  person_id bigint PRIMARY KEY,
  scope char(1) NOT NULL CHECK (scope IN ('p', 'c')),
  linkable boolean NOT NULL,
  record_key bigint NOT NULL CHECK (record_key BETWEEN 0 AND 4294967295),
  merged_into bigint,
  first_batch bigint NOT NULL
);

-- Linkage tokens (id, demo, demo_fi), tier 2. A token points at a surviving person.
CREATE TABLE warehouse.person_token (
  token bytea PRIMARY KEY CHECK (length(token) = 32),
  key_version smallint NOT NULL,
  kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 3),   -- 1 id, 2 demo, 3 demo_fi
  person_id bigint NOT NULL
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
CREATE SEQUENCE warehouse.case_id_seq;
CREATE TABLE warehouse."case" (
  case_id bigint PRIMARY KEY DEFAULT nextval('warehouse.case_id_seq'),
  case_key bytea NOT NULL UNIQUE CHECK (length(case_key) = 32), -- tier 2 of agency + case_ref
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

CREATE TABLE warehouse.victim (
  case_id bigint NOT NULL,
  ref text NOT NULL,
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
  PRIMARY KEY (case_id, ref)
);
CREATE INDEX ON warehouse.victim (person_id);

CREATE TABLE warehouse.offender (
  case_id bigint NOT NULL,
  ref text NOT NULL,
  person_id bigint NOT NULL,
  sex text NOT NULL,
  age smallint CHECK (age BETWEEN 0 AND 120),
  child boolean NOT NULL,    -- under 18 at the incident: a child who harmed
  PRIMARY KEY (case_id, ref)
);
CREATE INDEX ON warehouse.offender (person_id);

CREATE TABLE warehouse.intervention (
  case_id bigint NOT NULL,
  seq smallint NOT NULL,
  person_ref text NOT NULL,
  type text NOT NULL,
  level text NOT NULL,
  started date NOT NULL CHECK (extract(day FROM started) = 1),
  completed boolean,
  outcome text,
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

-- Orphans and dangling references the loader must never leave: one row per kind, with
-- its count (all zero in a sound warehouse).
CREATE FUNCTION warehouse.integrity() RETURNS TABLE (problem text, n bigint)
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
  SELECT 'intervention without case', count(*) FROM warehouse.intervention i
    WHERE NOT EXISTS (SELECT 1 FROM warehouse."case" c WHERE c.case_id = i.case_id)
  UNION ALL
  SELECT 'case or person without batch', count(*) FROM (
    SELECT batch_id FROM warehouse."case" UNION ALL SELECT first_batch FROM warehouse.person) x
    WHERE NOT EXISTS (SELECT 1 FROM warehouse.batch b WHERE b.batch_id = x.batch_id)
  UNION ALL
  SELECT 'case without victim', count(*) FROM warehouse."case" c
    WHERE NOT EXISTS (SELECT 1 FROM warehouse.victim v WHERE v.case_id = c.case_id)
$$;
GRANT EXECUTE ON FUNCTION warehouse.integrity() TO wiqaya_loader;
