-- +goose Up
-- Campaigns, near-duplicates and suspicious submissions in consultation
-- responses (issue 8). See docs/campaigns.md. Detection output is evidence
-- for analysts: campaigns and flags are never deleted, and a
-- recomputation keeps the decisions taken on them.

-- A full recomputation, run in the background, with its progress.
CREATE TABLE consult_campaign_runs (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    done            INTEGER NOT NULL DEFAULT 0,
    total           INTEGER NOT NULL DEFAULT 0,
    min_size        INTEGER NOT NULL,
    found           INTEGER NOT NULL DEFAULT 0,
    actor_user_id   INTEGER,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP
);
CREATE INDEX consult_campaign_runs_consultation ON consult_campaign_runs (consultation_id, id);

-- A cluster of near-identical answers to one question. size, first/last
-- and stakeholders describe it as last detected or joined; the
-- representative is an answer (never a copy of its text), so a withdrawn
-- response takes its text with it.
CREATE TABLE consult_campaigns (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    question_id     INTEGER NOT NULL REFERENCES consult_questions (id) ON DELETE CASCADE,
    rep_response_id INTEGER NOT NULL,
    rep_digest      TEXT NOT NULL,
    size            INTEGER NOT NULL,
    distinct_texts  INTEGER NOT NULL,
    first_at        TIMESTAMP,
    last_at         TIMESTAMP,
    stakeholders    TEXT NOT NULL DEFAULT '{}',
    burst           INTEGER NOT NULL DEFAULT 0,
    burst_start     TIMESTAMP,
    status          TEXT NOT NULL DEFAULT 'suggested' CHECK (status IN ('suggested', 'confirmed', 'dismissed')),
    decided_by      INTEGER,
    decided_at      TIMESTAMP,
    reason          TEXT NOT NULL DEFAULT '',
    stale           BOOLEAN NOT NULL DEFAULT FALSE,
    run_id          INTEGER,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX consult_campaigns_consultation ON consult_campaigns (consultation_id, question_id);

-- The answers of a campaign, found by a run or joined on submission.
CREATE TABLE consult_campaign_members (
    campaign_id INTEGER NOT NULL REFERENCES consult_campaigns (id) ON DELETE CASCADE,
    response_id INTEGER NOT NULL REFERENCES consult_responses (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL,
    digest      TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('detected', 'incremental')),
    added_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (campaign_id, response_id)
);
CREATE INDEX consult_campaign_members_response ON consult_campaign_members (response_id, question_id);

-- The most frequent distinct texts of a campaign, by digest of the
-- normalised text, with their MinHash sketch (hexadecimal), and the band
-- keys under which new answers find them.
CREATE TABLE consult_campaign_texts (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES consult_campaigns (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL,
    digest      TEXT NOT NULL,
    sketch      TEXT NOT NULL,
    UNIQUE (campaign_id, digest)
);
CREATE INDEX consult_campaign_texts_digest ON consult_campaign_texts (question_id, digest);

CREATE TABLE consult_campaign_bands (
    question_id INTEGER NOT NULL,
    band_key    BIGINT NOT NULL,
    text_id     INTEGER NOT NULL REFERENCES consult_campaign_texts (id) ON DELETE CASCADE
);
CREATE INDEX consult_campaign_bands_key ON consult_campaign_bands (question_id, band_key);

-- Suspicious patterns: evidence for an analyst, never acted on by itself.
-- fingerprint identifies the same pattern across recomputations.
CREATE TABLE consult_campaign_flags (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('burst', 'fast-typing', 'same-organisation')),
    fingerprint     TEXT NOT NULL,
    response_ids    TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
    decided_by      INTEGER,
    decided_at      TIMESTAMP,
    reason          TEXT NOT NULL DEFAULT '',
    stale           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (consultation_id, fingerprint)
);

-- Theme suggestions from the latest run; an accepted one points at the
-- code it became.
CREATE TABLE consult_campaign_themes (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    question_id     INTEGER NOT NULL REFERENCES consult_questions (id) ON DELETE CASCADE,
    run_id          INTEGER NOT NULL,
    terms           TEXT NOT NULL,
    docs            INTEGER NOT NULL,
    stakeholders    TEXT NOT NULL DEFAULT '{}',
    code_id         INTEGER REFERENCES consult_codes (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX consult_campaign_themes_consultation ON consult_campaign_themes (consultation_id, run_id);

-- +goose Down
DROP TABLE consult_campaign_themes;
DROP TABLE consult_campaign_flags;
DROP TABLE consult_campaign_bands;
DROP TABLE consult_campaign_texts;
DROP TABLE consult_campaign_members;
DROP TABLE consult_campaigns;
DROP TABLE consult_campaign_runs;
