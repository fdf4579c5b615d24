WITH f AS (SELECT v.year AS d0, v.sex AS d1, count(*) FILTER (WHERE v.age_band <> '18+') AS num, NULL::bigint AS den, coalesce(sum(v.record_key) FILTER (WHERE v.age_band <> '18+'), 0) % 4294967296 AS ckn, NULL::bigint AS ckd, count(*) FILTER (WHERE NOT (v.age_band <> '18+')) AS excluded, coalesce(sum(v.record_key) FILTER (WHERE NOT (v.age_band <> '18+')), 0) % 4294967296 AS ckx FROM analytics.victim_year v WHERE true AND v.region = ANY($1::text[]) AND v.year >= $2::int AND v.year <= $3::int GROUP BY 1, 2), pop AS (SELECT p.year AS d0, p.sex AS d1, sum(p.population) AS pop FROM analytics.population p WHERE p.age <= 17 AND p.region = ANY($4::text[]) AND p.dims ?& $5::text[] AND p.dims - $5::text[] = '{}'::jsonb AND p.year >= $6::int AND p.year <= $7::int GROUP BY 1, 2) SELECT f.d0, f.d1, f.num, pop.pop, f.ckn, f.ckd, f.excluded, f.ckx FROM f LEFT JOIN pop ON true AND pop.d0 = f.d0 AND pop.d1 = f.d1 WHERE f.num > 0 OR f.excluded = 0 ORDER BY 1, 2
-- $1 = {DC-01,DC-02}
-- $2 = 2018
-- $3 = 2024
-- $4 = {DC-01,DC-02}
-- $5 = {}
-- $6 = 2018
-- $7 = 2024
