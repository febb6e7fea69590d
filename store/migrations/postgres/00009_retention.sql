-- +goose Up
-- Retention of respondents' identities (issue 9, control 10): each
-- consultation keeps identity fields for retention_months after it closes;
-- then a scheduled job erases them and records when in
-- identities_erased_at. See docs/consult.md.
ALTER TABLE consultations ADD COLUMN retention_months INTEGER NOT NULL DEFAULT 12;
ALTER TABLE consultations ADD COLUMN identities_erased_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE consultations DROP COLUMN identities_erased_at;
ALTER TABLE consultations DROP COLUMN retention_months;
