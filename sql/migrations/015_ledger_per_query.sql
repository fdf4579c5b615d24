-- The ledger at a query's cost, not a cell's (issue 26): auth.released kept one row per
-- cell a token had seen, so a new 4-dimension table wrote 3,432 rows and probed the
-- index twice for each (a third of a fresh answer's time). Now one row per charged
-- query holds the identities of the cells it released first, 16 bytes each, in one
-- bytea. The server keeps each token's rows in memory (server/seen.c), complete up to a
-- row id, and asks the database only for the rows after it: nothing is forgotten, across
-- restarts, and the count of new cells stays exact under any number of servers (the
-- charge takes the token's lock and refuses to record while rows the server has not
-- merged exist). Every cell seen before the change is carried over, one row per token.
ALTER TABLE auth.released RENAME TO released_cells;
CREATE TABLE auth.released (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_id integer NOT NULL REFERENCES auth.token,
  at timestamptz NOT NULL DEFAULT now(),
  cells bytea NOT NULL CHECK (length(cells) > 0 AND length(cells) % 16 = 0)
);
-- Identities are keyed hashes: nothing to compress, so no attempt is made.
ALTER TABLE auth.released ALTER COLUMN cells SET STORAGE EXTERNAL;
CREATE INDEX ON auth.released (token_id, id);
INSERT INTO auth.released (token_id, at, cells)
  SELECT token_id, min(first_at), string_agg(cell, ''::bytea ORDER BY cell)
  FROM auth.released_cells GROUP BY token_id ORDER BY token_id;
DROP TABLE auth.released_cells;
DROP FUNCTION IF EXISTS auth.charge(integer, bytea[], double precision, double precision,
                                    integer, boolean);
GRANT SELECT, INSERT ON auth.released TO wiqaya_reader;
