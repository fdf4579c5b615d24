-- The most items one child-year contributes to a multi-valued dimension (offences,
-- technology, support): disclosure control bounds a child's weight by it (docs/privacy.md). The
-- arrays arrive sorted, so the first CAP codes are kept.
CREATE OR REPLACE FUNCTION analytics.cap_items(a text[], cap integer) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a[1:cap] $$;
GRANT EXECUTE ON FUNCTION analytics.cap_items(text[], integer) TO wiqaya_loader;
