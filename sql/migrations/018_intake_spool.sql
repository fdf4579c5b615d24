-- Submissions the intake acknowledged while a batch load held the linkage lock
-- (etl/intake/spool.h, docs/intake.md "While a batch load runs"): one row each, its
-- accepted records as they are after validation and pseudonymisation (tokens under
-- key_version, case keys, codes and numbers; never an identifier), linked oldest first as
-- soon as the lock is free. Its batch row, rejects and audit row are written when it is
-- spooled; its cases, persons and refresh queue when it is linked.
CREATE TABLE warehouse.intake_spool (
  spool_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id bigint NOT NULL REFERENCES warehouse.batch ON DELETE CASCADE,
  key_version integer NOT NULL,
  n_cases integer NOT NULL CHECK (n_cases > 0),
  cases bytea NOT NULL,
  spooled_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON warehouse.intake_spool (batch_id);
