-- +goose Up
-- Deliberations (issue 5): statements voted agree / disagree / pass by
-- anonymous participants, analysed into opinion groups in the background.
-- Participants are known only by the SHA-256 of a random 256-bit token
-- held in their browser; no address, user agent or account is stored.
CREATE TABLE deliberations (
    id                   INTEGER PRIMARY KEY,
    title_en             TEXT NOT NULL,
    title_fr             TEXT NOT NULL,
    description_en       TEXT NOT NULL DEFAULT '',
    description_fr       TEXT NOT NULL DEFAULT '',
    consultation_id      INTEGER REFERENCES consultations (id) ON DELETE SET NULL,
    moderation           TEXT NOT NULL CHECK (moderation IN ('pre', 'post')),
    require_stakeholder  BOOLEAN NOT NULL DEFAULT FALSE,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    -- changes counts votes and moderation decisions, so the analysis
    -- runner knows cheaply when its last result is stale.
    changes              INTEGER NOT NULL DEFAULT 0,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);

CREATE TABLE deliberation_participants (
    id               INTEGER PRIMARY KEY,
    deliberation_id  INTEGER NOT NULL REFERENCES deliberations (id) ON DELETE CASCADE,
    token_hash       TEXT NOT NULL UNIQUE,
    stakeholder      TEXT NOT NULL DEFAULT '' CHECK (stakeholder IN ('', 'state', 'international', 'industry', 'civil_society', 'academia')),
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX deliberation_participants_deliberation ON deliberation_participants (deliberation_id);

-- Statements are seeded by the secretariat (in both languages) or
-- submitted by participants (in their language; the secretariat may add
-- the translation when moderating).
CREATE TABLE deliberation_statements (
    id               INTEGER PRIMARY KEY,
    deliberation_id  INTEGER NOT NULL REFERENCES deliberations (id) ON DELETE CASCADE,
    text_en          TEXT NOT NULL DEFAULT '',
    text_fr          TEXT NOT NULL DEFAULT '',
    origin           TEXT NOT NULL CHECK (origin IN ('seed', 'participant')),
    participant_id   INTEGER REFERENCES deliberation_participants (id) ON DELETE SET NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK (text_en <> '' OR text_fr <> '')
);
CREATE INDEX deliberation_statements_deliberation ON deliberation_statements (deliberation_id, status);
CREATE INDEX deliberation_statements_participant ON deliberation_statements (participant_id, created_at);

-- One vote per participant and statement: a later vote replaces the
-- earlier (upsert on the primary key).
CREATE TABLE deliberation_votes (
    participant_id   INTEGER NOT NULL REFERENCES deliberation_participants (id) ON DELETE CASCADE,
    statement_id     INTEGER NOT NULL REFERENCES deliberation_statements (id) ON DELETE CASCADE,
    deliberation_id  INTEGER NOT NULL REFERENCES deliberations (id) ON DELETE CASCADE,
    value            INTEGER NOT NULL CHECK (value IN (-1, 0, 1)),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (participant_id, statement_id)
);
CREATE INDEX deliberation_votes_deliberation ON deliberation_votes (deliberation_id, created_at);
CREATE INDEX deliberation_votes_statement ON deliberation_votes (statement_id);

-- The latest analysis of each deliberation: the result and the engine's
-- warm-start state, as JSON, and the change count it reflects.
CREATE TABLE deliberation_analyses (
    deliberation_id  INTEGER PRIMARY KEY REFERENCES deliberations (id) ON DELETE CASCADE,
    changes          INTEGER NOT NULL,
    votes            INTEGER NOT NULL,
    participants     INTEGER NOT NULL,
    result           TEXT NOT NULL,
    state            TEXT NOT NULL,
    duration_ms      INTEGER NOT NULL,
    computed_at      TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE deliberation_analyses;
DROP TABLE deliberation_votes;
DROP TABLE deliberation_statements;
DROP TABLE deliberation_participants;
DROP TABLE deliberations;
