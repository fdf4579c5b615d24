-- Useful under protection (docs/privacy.md): a researcher's budget is a project's, set per
-- token by an admin (NULL: the role's default of [disclosure]); the charge reports the
-- budget it held the token to, so its signature changes. The public tables are released
-- once per release period, not per data version: a submitter who plants cases no longer
-- gets a fresh release at every refresh. The releases kept so far were per data version;
-- they go (the next request releases again, and the same cells keep their noise).
ALTER TABLE auth.token ADD COLUMN budget double precision CHECK (budget >= 0);
DROP FUNCTION IF EXISTS auth.charge(integer, bytea[], double precision, double precision, integer);
DELETE FROM auth.public_release;
ALTER TABLE auth.public_release DROP CONSTRAINT public_release_pkey;
ALTER TABLE auth.public_release ADD COLUMN release bigint NOT NULL;
ALTER TABLE auth.public_release ADD PRIMARY KEY (query, release);
