-- +goose Up
-- Retention of delegation members' dietary and access needs (health data,
-- docs/security.md control 10): they are erased 30 days after the meeting
-- ends (meet.EraseExpiredNeeds, in serve's hourly retention job), and
-- needs_erased_at records when.
ALTER TABLE meetings ADD COLUMN needs_erased_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE meetings DROP COLUMN needs_erased_at;
