-- The noise key and function each release drew its cells with (server/noise.h), so that
-- the next release's revision note knows whether a cell's fixed part is the same draw in
-- both (the same key, function and fixed scale) or two independent ones (a new key: the
-- difference of two unchanged cells is then as wide as both parts', and a band of the
-- fresh part's alone would call a sixth of them moved). Releases made before this are
-- left unknown (null): their note compares by the scales alone, as before.
-- noise_mixed: the release carries years whose cells an earlier release drew under
-- another key or function (or an unknown one): its fixed parts are not all its key's.
ALTER TABLE auth.release ADD COLUMN noise_key_id bytea CHECK (length(noise_key_id) = 16),
  ADD COLUMN noise_function smallint CHECK (noise_function IN (1, 2, 3)),
  ADD COLUMN noise_mixed boolean;
