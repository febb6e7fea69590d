-- +goose Up
-- Consultations (issue 3): questionnaires, responses without accounts,
-- consent, receipts and analysis. See docs/consult.md.
CREATE TABLE consultations (
    id            INTEGER PRIMARY KEY,
    title_en      TEXT NOT NULL,
    title_fr      TEXT NOT NULL,
    summary_en    TEXT NOT NULL,
    summary_fr    TEXT NOT NULL,
    body_en       TEXT NOT NULL DEFAULT '',
    body_fr       TEXT NOT NULL DEFAULT '',
    audiences     TEXT NOT NULL DEFAULT '',
    partner_en    TEXT NOT NULL DEFAULT '',
    partner_fr    TEXT NOT NULL DEFAULT '',
    partner_key   TEXT NOT NULL DEFAULT '',
    require_email BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'published')),
    opens_at      TIMESTAMP NOT NULL,
    closes_at     TIMESTAMP NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE consult_sections (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    title_en        TEXT NOT NULL,
    title_fr        TEXT NOT NULL,
    intro_en        TEXT NOT NULL DEFAULT '',
    intro_fr        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consult_sections_consultation ON consult_sections (consultation_id, position);

CREATE TABLE consult_questions (
    id               INTEGER PRIMARY KEY,
    consultation_id  INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    section_id       INTEGER NOT NULL REFERENCES consult_sections (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('short_text', 'long_text', 'single', 'multiple', 'likert', 'ranking', 'yes_no', 'file')),
    text_en          TEXT NOT NULL,
    text_fr          TEXT NOT NULL,
    hint_en          TEXT NOT NULL DEFAULT '',
    hint_fr          TEXT NOT NULL DEFAULT '',
    required         BOOLEAN NOT NULL DEFAULT FALSE,
    max_chars        INTEGER NOT NULL DEFAULT 0,
    options          TEXT NOT NULL DEFAULT '[]',
    allow_other      BOOLEAN NOT NULL DEFAULT FALSE,
    audiences        TEXT NOT NULL DEFAULT '',
    cond_question_id INTEGER REFERENCES consult_questions (id) ON DELETE SET NULL,
    cond_values      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consult_questions_section ON consult_questions (section_id, position);

-- Changes made after the first response, with the reason given; shown to
-- respondents who had already started.
CREATE TABLE consult_changes (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    at              TIMESTAMP NOT NULL,
    actor_user_id   INTEGER,
    what            TEXT NOT NULL,
    reason          TEXT NOT NULL
);

CREATE TABLE consult_responses (
    id                INTEGER PRIMARY KEY,
    consultation_id   INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    token_hash        TEXT NOT NULL UNIQUE,
    reference         TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'withdrawn')),
    respondent_kind   TEXT NOT NULL CHECK (respondent_kind IN ('individual', 'organisation')),
    stakeholder       TEXT NOT NULL,
    name              TEXT NOT NULL DEFAULT '',
    organisation_name TEXT NOT NULL DEFAULT '',
    country           TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    consent_set       BOOLEAN NOT NULL DEFAULT FALSE,
    consent_share     BOOLEAN NOT NULL DEFAULT FALSE,
    consent_publish   TEXT NOT NULL DEFAULT 'none' CHECK (consent_publish IN ('named', 'anonymous', 'none')),
    consent_contact   BOOLEAN NOT NULL DEFAULT FALSE,
    consent_wording   TEXT NOT NULL DEFAULT '',
    consent_at        TIMESTAMP,
    api_user_id       INTEGER,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    submitted_at      TIMESTAMP,
    withdrawn_at      TIMESTAMP,
    salt              TEXT NOT NULL DEFAULT '',
    submitted_json    TEXT NOT NULL DEFAULT '',
    commitment        TEXT NOT NULL DEFAULT '',
    ledger_outbox_id  INTEGER
);
CREATE INDEX consult_responses_consultation ON consult_responses (consultation_id, status, id);

-- One row per answered question. value is the answer as JSON; body is its
-- free text, for searching.
CREATE TABLE consult_answers (
    response_id INTEGER NOT NULL REFERENCES consult_responses (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES consult_questions (id) ON DELETE CASCADE,
    value       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (response_id, question_id)
);

CREATE VIRTUAL TABLE consult_answers_fts USING fts5(body, response_id UNINDEXED, question_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
-- +goose StatementBegin
CREATE TRIGGER consult_answers_fts_insert AFTER INSERT ON consult_answers BEGIN
    INSERT INTO consult_answers_fts (body, response_id, question_id) VALUES (NEW.body, NEW.response_id, NEW.question_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_answers_fts_update AFTER UPDATE ON consult_answers BEGIN
    DELETE FROM consult_answers_fts WHERE response_id = OLD.response_id AND question_id = OLD.question_id;
    INSERT INTO consult_answers_fts (body, response_id, question_id) VALUES (NEW.body, NEW.response_id, NEW.question_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_answers_fts_delete AFTER DELETE ON consult_answers BEGIN
    DELETE FROM consult_answers_fts WHERE response_id = OLD.response_id AND question_id = OLD.question_id;
END;
-- +goose StatementEnd

-- Attachments, stored after their metadata is stripped.
CREATE TABLE consult_files (
    id           INTEGER PRIMARY KEY,
    response_id  INTEGER NOT NULL REFERENCES consult_responses (id) ON DELETE CASCADE,
    question_id  INTEGER NOT NULL REFERENCES consult_questions (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- Qualitative coding: a codebook per consultation, and each coder's tags.
CREATE TABLE consult_codes (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    label           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX consult_codes_label ON consult_codes (consultation_id, lower(label));

CREATE TABLE consult_codings (
    response_id   INTEGER NOT NULL REFERENCES consult_responses (id) ON DELETE CASCADE,
    question_id   INTEGER NOT NULL REFERENCES consult_questions (id) ON DELETE CASCADE,
    code_id       INTEGER NOT NULL REFERENCES consult_codes (id) ON DELETE CASCADE,
    coder_user_id INTEGER NOT NULL,
    passage       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, question_id, code_id, coder_user_id)
);

-- Redactions: the passage removed from the published text and why. The
-- original answer is kept for the secretariat.
CREATE TABLE consult_redactions (
    id            INTEGER PRIMARY KEY,
    response_id   INTEGER NOT NULL REFERENCES consult_responses (id) ON DELETE CASCADE,
    question_id   INTEGER NOT NULL REFERENCES consult_questions (id) ON DELETE CASCADE,
    passage       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    actor_user_id INTEGER,
    at            TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE consult_redactions;
DROP TABLE consult_codings;
DROP TABLE consult_codes;
DROP TABLE consult_files;
DROP TRIGGER consult_answers_fts_delete;
DROP TRIGGER consult_answers_fts_update;
DROP TRIGGER consult_answers_fts_insert;
DROP TABLE consult_answers_fts;
DROP TABLE consult_answers;
DROP TABLE consult_responses;
DROP TABLE consult_changes;
DROP TABLE consult_questions;
DROP TABLE consult_sections;
DROP TABLE consultations;
