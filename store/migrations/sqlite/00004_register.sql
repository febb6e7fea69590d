-- +goose Up
-- The market oversight register (package register). Every published item
-- is a row of register_records, whatever its kind; the kind-specific fields
-- are a JSON object validated in Go against the kind's schema, and the
-- columns after "confidence" are copies of some of them for searching and
-- statistics. register_versions keeps every published version, never
-- changed; register_proposals holds the proposal and review workflow.
CREATE TABLE register_records (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    confidence    TEXT NOT NULL CHECK (confidence IN ('confirmed', 'likely', 'reported')),
    country       TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    year          INTEGER NOT NULL DEFAULT 0,
    vectors       TEXT NOT NULL DEFAULT '',
    ref_a         INTEGER REFERENCES register_records (id),
    ref_b         INTEGER REFERENCES register_records (id),
    fields        TEXT NOT NULL,
    sources       TEXT NOT NULL,
    version       INTEGER NOT NULL,
    removed       BOOLEAN NOT NULL DEFAULT FALSE,
    record_sha256 TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX register_records_kind ON register_records (kind, removed, id);
CREATE INDEX register_records_ref_a ON register_records (ref_a);
CREATE INDEX register_records_ref_b ON register_records (ref_b);
CREATE INDEX register_records_name ON register_records (lower(name));

CREATE TABLE register_proposals (
    id               INTEGER PRIMARY KEY,
    op               TEXT NOT NULL CHECK (op IN ('add', 'update', 'remove')),
    kind             TEXT NOT NULL,
    record_id        INTEGER REFERENCES register_records (id),
    name             TEXT NOT NULL,
    confidence       TEXT NOT NULL,
    fields           TEXT NOT NULL,
    sources          TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    requested_by     TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('pending', 'more_evidence', 'accepted', 'rejected')),
    reason_en        TEXT NOT NULL DEFAULT '',
    reason_fr        TEXT NOT NULL DEFAULT '',
    proposer_user_id INTEGER NOT NULL REFERENCES users (id),
    proposer_org_id  INTEGER REFERENCES organisations (id),
    decided_by       INTEGER REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    decided_at       TIMESTAMP
);
CREATE INDEX register_proposals_status ON register_proposals (status, id);
CREATE INDEX register_proposals_org ON register_proposals (proposer_org_id, id);
CREATE INDEX register_proposals_record ON register_proposals (record_id, id);

CREATE TABLE register_versions (
    record_id     INTEGER NOT NULL REFERENCES register_records (id),
    version       INTEGER NOT NULL,
    op            TEXT NOT NULL CHECK (op IN ('add', 'update', 'remove')),
    proposal_id   INTEGER REFERENCES register_proposals (id),
    name          TEXT NOT NULL,
    confidence    TEXT NOT NULL,
    fields        TEXT NOT NULL,
    sources       TEXT NOT NULL,
    record_sha256 TEXT NOT NULL DEFAULT '',
    outbox_id     INTEGER NOT NULL REFERENCES ledger_outbox (id),
    at            TIMESTAMP NOT NULL,
    PRIMARY KEY (record_id, version)
);
CREATE INDEX register_versions_at ON register_versions (at);

-- Published versions are history: the triggers refuse changes.
-- +goose StatementBegin
CREATE TRIGGER register_versions_no_update BEFORE UPDATE ON register_versions
BEGIN
    SELECT RAISE(ABORT, 'register history is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER register_versions_no_delete BEFORE DELETE ON register_versions
BEGIN
    SELECT RAISE(ABORT, 'register history is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE register_versions;
DROP TABLE register_proposals;
DROP TABLE register_records;
