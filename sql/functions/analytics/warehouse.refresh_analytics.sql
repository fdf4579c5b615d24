-- Brings the analytics tables up to date with the queue: the rows of every queued person
-- (all its years: a new case can change an earlier year's re-victimisation, a merge all
-- of them) and case are replaced, and when the data's last month has moved, so are the
-- rows of everyone whose censoring it changes. Must run in a REPEATABLE READ transaction
-- under the caller's session lock on warehouse.refresh_lock() (etl/load/refresher.c): the
-- queue it empties is then exactly what its one snapshot shows. Returns the new data
-- version, or NULL when there was nothing to do.
CREATE OR REPLACE FUNCTION warehouse.refresh_analytics() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  last_month date;
  d analytics.data_version%ROWTYPE;
  pop boolean;
  new_years boolean;
BEGIN
  IF current_setting('transaction_isolation') <> 'repeatable read' THEN
    RAISE EXCEPTION 'warehouse.refresh_analytics() needs a REPEATABLE READ transaction';
  END IF;
  SELECT * INTO d FROM analytics.data_version;
  SELECT max(reported) INTO last_month FROM warehouse."case";
  SELECT bool_or(population) INTO pop FROM warehouse.refresh_queue;
  IF pop IS NULL AND last_month IS NOT DISTINCT FROM d.last_month THEN
    RETURN NULL;
  END IF;
  -- A queue holding much of the warehouse (a large load) is rebuilt whole.
  IF warehouse.refresh_needs_rebuild() THEN
    RETURN warehouse.rebuild_analytics();
  END IF;
  -- Many rows named against what the planner counts of the warehouse (a first load, or
  -- tables analysed while empty, between a load rolled back and the next): fresh
  -- statistics first, or the queue's thousands of persons meet nested loops planned for
  -- none (warehouse.analyze_warehouse). reltuples is -1 for a table never analysed.
  IF (SELECT count(*) FROM warehouse.refresh_queue WHERE batch_id IS NULL AND from_year IS NULL) +
     (SELECT coalesce(sum(accepted), 0) FROM warehouse.batch WHERE batch_id IN
        (SELECT batch_id FROM warehouse.refresh_queue)) >
     0.1 * greatest(0, (SELECT min(reltuples) FROM pg_class WHERE oid IN
        ('warehouse."case"'::regclass, 'warehouse.person'::regclass,
         'warehouse.victim'::regclass))) THEN
    PERFORM warehouse.analyze_warehouse();
  END IF;
  -- What the queue names: its cases and persons, and the cases of its batches (a load
  -- queues its batches: etl/load/chunk.c) with the persons they name.
  CREATE TEMP TABLE rq_case ON COMMIT DROP AS
    SELECT case_id FROM warehouse.refresh_queue WHERE case_id IS NOT NULL
    UNION
    SELECT c.case_id FROM warehouse."case" c
    WHERE c.batch_id = ANY (ARRAY(SELECT DISTINCT batch_id FROM warehouse.refresh_queue
                                  WHERE batch_id IS NOT NULL));
  ANALYZE rq_case;
  CREATE TEMP TABLE rq_person ON COMMIT DROP AS
    SELECT person_id, salt FROM warehouse.refresh_queue WHERE person_id IS NOT NULL
    UNION
    SELECT p.person_id, p.salt FROM warehouse.person p
    WHERE p.person_id IN (SELECT v.person_id FROM warehouse.victim v JOIN rq_case USING (case_id)
                          UNION
                          SELECT o.person_id FROM warehouse.offender o JOIN rq_case USING (case_id));

  -- Censoring follows the last month: persons with a case in the months that moved in
  -- or out of the 12-month window.
  IF last_month IS DISTINCT FROM d.last_month AND d.last_month IS NOT NULL THEN
    INSERT INTO rq_person
    SELECT x.person_id, p.salt FROM (
      SELECT v.person_id FROM warehouse.victim v JOIN warehouse."case" c USING (case_id)
      WHERE c.reported > least(d.last_month, last_month) - interval '12 months'
        AND c.reported <= greatest(d.last_month, last_month) - interval '12 months'
      UNION
      SELECT o.person_id FROM warehouse.offender o JOIN warehouse."case" c USING (case_id)
      WHERE c.reported > least(d.last_month, last_month) - interval '12 months'
        AND c.reported <= greatest(d.last_month, last_month) - interval '12 months') x
    JOIN warehouse.person p USING (person_id);
  END IF;
  ANALYZE rq_person;
  ANALYZE rq_case;

  IF d.year_lo IS NOT NULL THEN
    CREATE TEMP TABLE rq_key ON COMMIT DROP AS
      SELECT f.fact, warehouse.row_key(q.salt, f.fact, y) AS key
      FROM (SELECT DISTINCT salt FROM rq_person) q,
           generate_series(d.year_lo::int, d.year_hi::int) y,
           (VALUES ('victim'), ('offender'), ('intervention')) f (fact);
    ANALYZE rq_key;
    -- = ANY(ARRAY(...)): probes of the row_key index, not a scan of the table
    DELETE FROM analytics.victim_year
      WHERE row_key = ANY (ARRAY(SELECT key FROM rq_key WHERE fact = 'victim'));
    DELETE FROM analytics.offender_year
      WHERE row_key = ANY (ARRAY(SELECT key FROM rq_key WHERE fact = 'offender'));
    DELETE FROM analytics.intervention_fact
      WHERE row_key = ANY (ARRAY(SELECT key FROM rq_key WHERE fact = 'intervention'));
    DELETE FROM analytics.case_fact WHERE row_key = ANY (ARRAY(
      SELECT warehouse.row_key(c.case_key, 'case', 0)
      FROM rq_case q JOIN warehouse."case" c USING (case_id)));
  END IF;
  PERFORM warehouse.build_analytics(ARRAY(SELECT DISTINCT person_id FROM rq_person),
                                    ARRAY(SELECT case_id FROM rq_case), last_month,
                                    d.item_cap);
  IF pop THEN
    DELETE FROM analytics.population;
    INSERT INTO analytics.population
    SELECT year, region, sex, age, analytics.age_band(age), dims, population
    FROM warehouse.population;
  END IF;
  -- A year the data reach for the first time gets its partition (migration 023), and
  -- its statistics at once.
  new_years := analytics.year_partitions() > 0;
  -- Fresh planner statistics when this refresh wrote much of the tables (a first load, a
  -- large one, the population), judged by its persons against the planner's count of
  -- victim-years: otherwise the planner takes the tables for what they were, empty
  -- perhaps, until autovacuum comes by (warehouse.analyze_analytics). reltuples is -1
  -- for a table never analysed.
  IF pop OR new_years OR (SELECT count(*) FROM rq_person) >
            0.1 * greatest(0, (SELECT reltuples FROM pg_class
                               WHERE oid = 'analytics.victim_year'::regclass)) THEN
    PERFORM warehouse.analyze_analytics();
  END IF;
  PERFORM warehouse.empty_queue();
  RETURN warehouse.analytics_built(last_month);
END
$$;
REVOKE ALL ON FUNCTION warehouse.refresh_analytics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warehouse.refresh_analytics() TO wiqaya_loader;
