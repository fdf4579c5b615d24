-- The order of the justice pathway (api.md): reported < under_investigation < charged <
-- prosecuted < convicted / acquitted; diverted and closed_no_action end without a charge.
CREATE OR REPLACE FUNCTION analytics.stage(status text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE status WHEN 'reported' THEN 0 WHEN 'under_investigation' THEN 1
                     WHEN 'charged' THEN 2 WHEN 'prosecuted' THEN 3
                     WHEN 'convicted' THEN 4 WHEN 'acquitted' THEN 4 ELSE -1 END::smallint
$$;
GRANT EXECUTE ON FUNCTION analytics.stage(text) TO wiqaya_loader, wiqaya_reader;
