-- Hardening (docs/security.md): /metrics is no longer public. Prometheus scrapes it with a
-- token of its own role, monitor, which reads the metrics and nothing else (no data
-- route admits it, and it has no budget).
ALTER TABLE auth.token DROP CONSTRAINT token_role_check;
ALTER TABLE auth.token ADD CONSTRAINT token_role_check
  CHECK (role IN ('public', 'submitter', 'researcher', 'policy', 'admin', 'monitor'));
