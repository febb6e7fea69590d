-- +goose Up
-- Retention of respondents' identities (issue 9, control 10): each
-- consultation keeps identity fields for retention_months after it closes;
-- then a scheduled job erases them and records when in
-- identities_erased_at. See docs/consult.md.
ALTER TABLE consultations ADD COLUMN retention_months INTEGER NOT NULL DEFAULT 12;
ALTER TABLE consultations ADD COLUMN identities_erased_at TIMESTAMP;

-- Leases of scheduled tasks, so that one instance at a time runs each
-- (the retention job); the ledger worker keeps its own lease.
CREATE TABLE task_leases (
    name        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    lease_until INTEGER NOT NULL  -- unix milliseconds
);

-- +goose Down
DROP TABLE task_leases;
ALTER TABLE consultations DROP COLUMN identities_erased_at;
ALTER TABLE consultations DROP COLUMN retention_months;
