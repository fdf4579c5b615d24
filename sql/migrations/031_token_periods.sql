-- Tokens answered from the data as their period began (docs/privacy.md, "Periods"). The
-- noise's epochs (030) drew a cell again when a change reached its years, but whether a
-- planted case merged two persons, and so reached every year, still showed in one bit a
-- refresh, and the recent years' new epochs let a lone researcher average a cell's noise
-- away (a red-team review, 2026-12-07). A token is now answered from one data version a
-- period, the one its period started with, and every cell is drawn anew, with a new
-- ledger identity, each period, whatever changed: nothing a change does shows inside a
-- period, and a new period says nothing of what changed.
--
-- A period starts (a row here, written by the server) at the first token answer of a
-- calendar period of [disclosure] release_days (calendar: its number since 1970), by an
-- admin (wiqaya-server period new), or when a server must answer a token and holds
-- neither the period's version nor the database: a server started after a refresh, or
-- one without the column engine after one (reason 'version'). Rows are never updated or
-- deleted: the latest is the current period; its id is the epoch of every token answer.
CREATE TABLE auth.period (
  id bigint PRIMARY KEY CHECK (id > 0),
  data_version bigint NOT NULL,
  calendar integer NOT NULL,
  reason text NOT NULL CHECK (reason IN ('calendar', 'admin', 'version')),
  started_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON auth.period TO wiqaya_reader;
GRANT SELECT ON auth.period TO wiqaya_loader;
-- An admin's new period is audited (wiqaya-server period new).
ALTER TABLE audit.log DROP CONSTRAINT log_kind_check;
ALTER TABLE audit.log ADD CONSTRAINT log_kind_check
  CHECK (kind IN ('query', 'token', 'submission', 'approval', 'release', 'period'));
-- The data version that shows the census as it is (the trigger population_written on
-- warehouse.population): an engine answering in an older period's version reads the
-- analytics population while it is unchanged since, instead of moving to the database's
-- version (server/exact.c), which would start a new period at every refresh. A database
-- migrated with a population already loaded shows it at its version now or before: 0.
ALTER TABLE analytics.data_version ADD COLUMN population_version bigint NOT NULL DEFAULT 0;
