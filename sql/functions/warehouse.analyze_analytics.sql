-- Fresh planner statistics for every analytics table (warehouse.analyze_fact).
CREATE OR REPLACE FUNCTION warehouse.analyze_analytics() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM warehouse.analyze_fact(f.fact)
  FROM (SELECT fact FROM warehouse.rebuild_parts(NULL, NULL)
        UNION ALL SELECT 'population') f;
END
$$;
REVOKE ALL ON FUNCTION warehouse.analyze_analytics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.analyze_analytics() TO wiqaya_loader;
