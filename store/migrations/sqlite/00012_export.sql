-- +goose Up
-- Fast exports (issues 3 and 10): each submitted response keeps a copy of
-- its answers as one JSON object keyed by question id, written by Submit
-- in the same transaction and emptied by Withdraw, so an export reads one
-- row per response instead of joining one row per answer. consult_answers
-- stays the source for drafts, search and coding. See docs/consult.md.
ALTER TABLE consult_responses ADD COLUMN answers TEXT NOT NULL DEFAULT '';

-- Backfill the responses submitted before this migration.
UPDATE consult_responses SET answers = COALESCE((SELECT json_group_object(CAST(a.question_id AS TEXT), json(a.value)) FROM consult_answers a WHERE a.response_id = consult_responses.id), '{}') WHERE status = 'submitted';

-- +goose Down
ALTER TABLE consult_responses DROP COLUMN answers;
