-- JIT compilation off in the warehouse's database. Its queries are aggregates over the
-- analytics tables of well under a second to a few seconds; at ten times the demo
-- country (2 million victim-years) their estimated cost passes jit_above_cost and each
-- fresh table spent its first hundreds of milliseconds compiling (issue 26). Set on the
-- database, not on a role: the server refuses to start when its role has session
-- defaults (an ALTER ROLE ... SET is what an intruder holding the role would leave).
-- ALTER DATABASE names its database: current_database() through EXECUTE.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
END
$$;
