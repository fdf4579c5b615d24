-- The floor's spread each noise key publishes with (server/noise.c, noise_rules_check). A
-- cell's raise is one draw of the key modulo the spread plus one: under two spreads the
-- same cell's floor says more of its count (4, then 2: the draw modulo 15). A key keeps
-- its spread all its life, as it keeps its scales; a new spread needs a new noise key.
-- Keys recorded before the floor was raised have none yet (null): the server records the
-- one it first starts with.
ALTER TABLE auth.noise_rules ADD COLUMN floor_spread smallint
  CHECK (floor_spread BETWEEN 0 AND 9);
GRANT UPDATE (floor_spread) ON auth.noise_rules TO wiqaya_reader;
