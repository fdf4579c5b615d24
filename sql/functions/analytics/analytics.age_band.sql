-- The age bands of the analytics (api.md): childhood in five bands, then adults.
CREATE OR REPLACE FUNCTION analytics.age_band(age integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN age IS NULL THEN NULL
              WHEN age <= 4 THEN '0-4' WHEN age <= 9 THEN '5-9'
              WHEN age <= 12 THEN '10-12' WHEN age <= 15 THEN '13-15'
              WHEN age <= 17 THEN '16-17' ELSE '18+' END
$$;
GRANT EXECUTE ON FUNCTION analytics.age_band(integer) TO wiqaya_loader, wiqaya_reader;
