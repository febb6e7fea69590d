-- +goose Up
-- Consultations (issue 3): resume links emailed on request. A row lives
-- only until its email is sent (or given up on): the address and the body,
-- which holds the resume link, are sealed with vault. See docs/consult.md.
CREATE TABLE consult_mail_outbox (
    id          INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES consult_responses (id) ON DELETE CASCADE,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
-- How many resume emails a response has asked for, to stop the form being
-- used to send mail to anyone.
ALTER TABLE consult_responses ADD COLUMN resume_emails INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE consult_responses DROP COLUMN resume_emails;
DROP TABLE consult_mail_outbox;
