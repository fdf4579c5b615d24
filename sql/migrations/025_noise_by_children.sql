-- Noise function 3 (server/noise.h): SipHash-2-4 as 2, the fresh part keyed by the cell's
-- children alone, so that definitions of the same children (a filter that excludes nobody)
-- share it and averaging them never takes it away (docs/privacy.md, "The noise function").
-- Keys recorded before keep their function; a key first seen with a fixed part takes 3.
ALTER TABLE auth.noise_rules DROP CONSTRAINT noise_rules_noise_function_check,
  ADD CONSTRAINT noise_rules_noise_function_check CHECK (noise_function IN (1, 2, 3));
