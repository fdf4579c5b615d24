-- Official releases (docs/releases.md). An agency approves a year of its submissions; a
-- release measures the published product over the years every agency approved, freezes
-- it under an id, and is published once; older releases stay readable.

-- An agency's approval of its cases reported in one year: by its submitter over the
-- intake, or an admin (wiqaya-etl approve). A later change to the agency's cases of that
-- year (a new case, a resubmission, a withdrawal) reopens it (reopened_at, set by the
-- trigger of sql/functions/warehouse.case_changed.sql): a year not yet released waits for
-- the agency to approve again, a released one is revised in the next release, flagged.
CREATE TABLE warehouse.approval (
  agency text NOT NULL,
  year smallint NOT NULL CHECK (year BETWEEN 1900 AND 2200),
  approved_at timestamptz NOT NULL DEFAULT now(),
  approved_by text NOT NULL,
  reopened_at timestamptz,
  PRIMARY KEY (agency, year)
);

-- What changed in the cases, by agency, year and kind, a row per statement (the trigger
-- above): the reason classes of a release's revision note (late reports, resubmissions,
-- reclassifications, withdrawals). Counts of cases, never read by the server, which gets
-- the kinds of a year and nothing else (analytics.case_changes()).
CREATE TABLE warehouse.case_change (
  at timestamptz NOT NULL DEFAULT clock_timestamp(),  -- as late as the trigger can say
  agency text NOT NULL,
  year smallint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('new', 'resubmitted', 'reclassified', 'withdrawn')),
  cases integer NOT NULL CHECK (cases > 0)
);
CREATE INDEX ON warehouse.case_change (at);

-- A release: its measurement (data version, the years it holds, first_year to last_year:
-- every year up to the last one every agency approved, or a published release held), the
-- rules it was published under (a published release answers by them whatever the
-- configuration says later), and, once complete and published, its date. A published
-- release never changes (the triggers of sql/functions/auth.release_frozen.sql).
-- Ids are never reused: a draft dropped while another process still measures it cannot
-- lend its id to the next release.
CREATE SEQUENCE auth.release_id_seq AS integer;
CREATE TABLE auth.release (
  id integer PRIMARY KEY DEFAULT nextval('auth.release_id_seq') CHECK (id > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  complete boolean NOT NULL DEFAULT false,
  published_at timestamptz CHECK (published_at IS NULL OR complete),
  data_version bigint NOT NULL,
  first_year smallint NOT NULL,
  last_year smallint NOT NULL CHECK (last_year >= first_year),
  floor integer NOT NULL,
  threshold integer NOT NULL,
  noise_scale double precision NOT NULL,
  fixed_noise_scale double precision NOT NULL,
  note text NOT NULL DEFAULT '',
  holds jsonb NOT NULL,    -- per agency: the years approved, held without approval, missing
  revisions jsonb          -- the revision note against the previous published release
);

-- Each base table of the published product, measured for the release (as
-- auth.public_release holds the calendar's).
CREATE TABLE auth.release_table (
  release integer NOT NULL REFERENCES auth.release,
  query text NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (release, query)
);

-- A rate's denominators as the release read them: the population table when it was
-- created (a population loaded later changes no published release).
CREATE TABLE auth.release_population (
  release integer NOT NULL REFERENCES auth.release,
  year smallint NOT NULL,
  region text NOT NULL,
  sex text NOT NULL,
  age smallint NOT NULL,
  age_band text NOT NULL,
  dims jsonb NOT NULL,
  population integer NOT NULL
);
CREATE INDEX ON auth.release_population (release);

-- The server (wiqaya-server release) creates, publishes and drops drafts; the loader's
-- role has nothing here.
GRANT SELECT, INSERT, UPDATE, DELETE ON auth.release, auth.release_table,
  auth.release_population
  TO wiqaya_reader;
GRANT USAGE ON SEQUENCE auth.release_id_seq TO wiqaya_reader;

ALTER TABLE audit.log DROP CONSTRAINT log_kind_check;
ALTER TABLE audit.log ADD CONSTRAINT log_kind_check
  CHECK (kind IN ('query', 'token', 'submission', 'approval', 'release'));
