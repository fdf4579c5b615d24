-- Official releases (docs/releases.md). An agency approves a year of its submissions; a
-- release measures the published product over the approved agency-years only, freezes it
-- under an id, and is published once; older releases stay readable.

-- An agency's approval of its cases reported in one year: by its submitter over the
-- intake, or an admin (wiqaya-etl approve). A later change to the agency's cases of that
-- year (a new case, a resubmission, a withdrawal) reopens it (reopened_at, set by the
-- trigger of sql/functions/warehouse.case_changed.sql): the next release leaves it out
-- and says so until the agency approves again.
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
  at timestamptz NOT NULL DEFAULT now(),
  agency text NOT NULL,
  year smallint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('new', 'resubmitted', 'reclassified', 'withdrawn')),
  cases integer NOT NULL CHECK (cases > 0)
);
CREATE INDEX ON warehouse.case_change (at);

-- A release: its measurement (data version, years, the scope of agency-years it counts)
-- and, once published, its date. A published release never changes (the trigger below).
CREATE TABLE auth.release (
  id integer PRIMARY KEY CHECK (id > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  published_at timestamptz,
  data_version bigint NOT NULL,
  first_year smallint NOT NULL,
  last_year smallint NOT NULL,
  note text NOT NULL DEFAULT '',
  holds jsonb NOT NULL,    -- per agency: the years held, and those missing with why
  revisions jsonb          -- the revision note against the previous published release
);

-- The agency-years a release counts: its facts' rows whose agency and year are here.
CREATE TABLE auth.release_scope (
  release integer NOT NULL REFERENCES auth.release,
  agency text NOT NULL,
  year smallint NOT NULL,
  PRIMARY KEY (release, agency, year)
);

-- Each base table of the published product, measured for the release (as
-- auth.public_release holds the calendar's).
CREATE TABLE auth.release_table (
  release integer NOT NULL REFERENCES auth.release,
  query text NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (release, query)
);

CREATE FUNCTION auth.release_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'release' THEN
    IF OLD.published_at IS NOT NULL THEN
      RAISE EXCEPTION 'release % is published and cannot change', OLD.id;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF EXISTS (SELECT 1 FROM auth.release r WHERE r.id = OLD.release
             AND r.published_at IS NOT NULL) THEN
    RAISE EXCEPTION 'release % is published and cannot change', OLD.release;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER frozen BEFORE UPDATE OR DELETE ON auth.release
  FOR EACH ROW EXECUTE FUNCTION auth.release_frozen();
CREATE TRIGGER frozen BEFORE UPDATE OR DELETE ON auth.release_scope
  FOR EACH ROW EXECUTE FUNCTION auth.release_frozen();
CREATE TRIGGER frozen BEFORE UPDATE OR DELETE ON auth.release_table
  FOR EACH ROW EXECUTE FUNCTION auth.release_frozen();

-- The server (wiqaya-server release) creates, publishes and drops drafts; the loader's
-- role has nothing here.
GRANT SELECT, INSERT, UPDATE, DELETE ON auth.release, auth.release_scope, auth.release_table
  TO wiqaya_reader;

ALTER TABLE audit.log DROP CONSTRAINT log_kind_check;
ALTER TABLE audit.log ADD CONSTRAINT log_kind_check
  CHECK (kind IN ('query', 'token', 'submission', 'approval', 'release'));
