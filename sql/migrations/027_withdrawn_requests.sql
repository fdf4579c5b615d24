-- The Idempotency-Key of a request whose batch was withdrawn (docs/intake.md): a client
-- that retries it (its first answer lost, a timeout) is answered 410 (I1008) while the
-- key would have been remembered, never loaded again. The batch row, which remembered the
-- key, goes with the withdrawal.
CREATE TABLE warehouse.withdrawn_request (
  idempotency_key bytea PRIMARY KEY CHECK (length(idempotency_key) = 32),
  body_hash bytea NOT NULL CHECK (length(body_hash) = 32),
  loaded_at timestamptz NOT NULL, -- the key is remembered idempotency_hours from it
  batch_id bigint NOT NULL
);
