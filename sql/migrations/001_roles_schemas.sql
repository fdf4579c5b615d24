-- Roles and schemas: the security design of architecture.md.
-- wiqaya_loader writes the warehouse and rebuilds analytics; wiqaya_reader reads analytics
-- only (and writes auth and audit). Neither may create objects; only migrations do.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wiqaya_loader') THEN
    CREATE ROLE wiqaya_loader LOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wiqaya_reader') THEN
    CREATE ROLE wiqaya_reader LOGIN;
  END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA warehouse;
CREATE SCHEMA analytics;
CREATE SCHEMA auth;
CREATE SCHEMA audit;

REVOKE ALL ON SCHEMA warehouse, analytics, auth, audit FROM PUBLIC;
GRANT USAGE ON SCHEMA warehouse TO wiqaya_loader;
GRANT USAGE ON SCHEMA analytics TO wiqaya_loader, wiqaya_reader;
GRANT USAGE ON SCHEMA auth TO wiqaya_loader, wiqaya_reader;
GRANT USAGE ON SCHEMA audit TO wiqaya_loader, wiqaya_reader;

-- Tables created by later migrations get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA warehouse
  GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO wiqaya_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA warehouse GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO wiqaya_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics
  GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO wiqaya_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO wiqaya_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT SELECT ON TABLES TO wiqaya_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO wiqaya_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT USAGE, SELECT ON SEQUENCES TO wiqaya_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA audit GRANT SELECT, INSERT ON TABLES TO wiqaya_loader, wiqaya_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA audit GRANT USAGE, SELECT ON SEQUENCES TO wiqaya_loader, wiqaya_reader;
