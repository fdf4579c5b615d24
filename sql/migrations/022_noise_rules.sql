-- The noise scales each noise key has published under (server/noise.c, noise_rules_check).
-- A cell's noise is one uniform draw of the key, scaled: published under two scales, the
-- same cell's two counts give its true count away. The server refuses to start, and a
-- release to be made, under scales other than the ones recorded for its key; a new scale
-- needs a new noise key. The key is named by a keyed hash of it, never by itself.
CREATE TABLE auth.noise_rules (
  key_id bytea PRIMARY KEY CHECK (length(key_id) = 16),
  noise_scale double precision NOT NULL,
  fixed_noise_scale double precision NOT NULL,
  since timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON auth.noise_rules TO wiqaya_reader;
