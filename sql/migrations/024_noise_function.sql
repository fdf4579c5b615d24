-- The noise function each noise key publishes with (server/noise.h): 1, keyed BLAKE2b,
-- the first; 2, SipHash-2-4, the same messages at a fifth of the time. A key publishes
-- with one function all its life, as with one pair of scales: the keys recorded before
-- this migration published with the first and keep it. A key recorded later gets its
-- function from the server (noise_rules_check), never from a default.
ALTER TABLE auth.noise_rules ADD COLUMN noise_function smallint NOT NULL DEFAULT 1
  CHECK (noise_function IN (1, 2));
ALTER TABLE auth.noise_rules ALTER COLUMN noise_function DROP DEFAULT;
