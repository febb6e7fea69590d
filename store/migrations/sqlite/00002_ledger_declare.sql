-- +goose Up
-- The transparency log outbox: every record that must appear in the public
-- log is written here in the same transaction as the record itself; the
-- ledger worker appends pending rows and stores their log index.
CREATE TABLE ledger_outbox (
    id         INTEGER PRIMARY KEY,
    entry      TEXT NOT NULL,            -- canonical JSON, exactly what is appended
    created_at TIMESTAMP NOT NULL,
    log_index  INTEGER UNIQUE,           -- NULL while pending
    logged_at  TIMESTAMP
);
CREATE INDEX ledger_outbox_pending ON ledger_outbox (id) WHERE log_index IS NULL;

-- One row: how far the worker has recorded the log (every entry below
-- logged_up_to has its outbox row marked), and the lease of the worker
-- allowed to append.
CREATE TABLE ledger_worker (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    logged_up_to  INTEGER NOT NULL,
    owner         TEXT NOT NULL,
    lease_until   INTEGER NOT NULL  -- unix milliseconds
);
INSERT INTO ledger_worker (id, logged_up_to, owner, lease_until) VALUES (1, 0, '', 0);

-- Frameworks: the Declaration, the Code of Practice for States, ...
CREATE TABLE frameworks (
    id         TEXT PRIMARY KEY,          -- slug, e.g. "declaration"
    title_en   TEXT NOT NULL,
    title_fr   TEXT NOT NULL,
    summary_en TEXT NOT NULL DEFAULT '',
    summary_fr TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

-- A published version: its document is canonical JSON (pillars and numbered
-- measures, bilingual), its digest is what endorsements commit to.
CREATE TABLE framework_versions (
    id              INTEGER PRIMARY KEY,
    framework_id    TEXT NOT NULL REFERENCES frameworks (id),
    version         TEXT NOT NULL,
    document        TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    published_at    TIMESTAMP NOT NULL,
    outbox_id       INTEGER NOT NULL REFERENCES ledger_outbox (id),
    UNIQUE (framework_id, version)
);

-- An organisation's Ed25519 public key for offline endorsements.
CREATE TABLE signing_keys (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    public_key      TEXT NOT NULL,        -- base64 of the 32-byte key
    created_at      TIMESTAMP NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    revoked_at      TIMESTAMP
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (organisation_id) WHERE revoked_at IS NULL;

CREATE TABLE endorsements (
    id                   INTEGER PRIMARY KEY,
    version_id           INTEGER NOT NULL REFERENCES framework_versions (id),
    organisation_id      INTEGER NOT NULL REFERENCES organisations (id),
    method               TEXT NOT NULL CHECK (method IN ('browser', 'signature', 'paper')),
    user_id              INTEGER REFERENCES users (id),
    signing_key_id       INTEGER REFERENCES signing_keys (id),
    signature            TEXT NOT NULL DEFAULT '',
    paper_reference      TEXT NOT NULL DEFAULT '',
    document             TEXT NOT NULL,   -- canonical JSON the log entry commits to
    document_sha256      TEXT NOT NULL,
    endorsed_at          TIMESTAMP NOT NULL,
    outbox_id            INTEGER NOT NULL REFERENCES ledger_outbox (id),
    withdrawn_at         TIMESTAMP,
    withdrawal_reason    TEXT NOT NULL DEFAULT '',
    withdrawal_outbox_id INTEGER REFERENCES ledger_outbox (id)
);
CREATE UNIQUE INDEX endorsements_active ON endorsements (version_id, organisation_id) WHERE withdrawn_at IS NULL;
CREATE INDEX endorsements_version ON endorsements (version_id, endorsed_at);

-- Implementation reports: versioned, one document per published version.
CREATE TABLE implementation_reports (
    id              INTEGER PRIMARY KEY,
    version_id      INTEGER NOT NULL REFERENCES framework_versions (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    revision        INTEGER NOT NULL,
    document        TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    published_at    TIMESTAMP NOT NULL,
    user_id         INTEGER REFERENCES users (id),
    outbox_id       INTEGER NOT NULL REFERENCES ledger_outbox (id),
    UNIQUE (version_id, organisation_id, revision)
);

CREATE TABLE report_items (
    report_id   INTEGER NOT NULL REFERENCES implementation_reports (id),
    measure     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'implemented', 'not_applicable')),
    explanation TEXT NOT NULL DEFAULT '',
    evidence    TEXT NOT NULL DEFAULT '',  -- URLs, one a line
    PRIMARY KEY (report_id, measure)
);

CREATE TABLE reporting_rounds (
    id           INTEGER PRIMARY KEY,
    version_id   INTEGER NOT NULL REFERENCES framework_versions (id),
    title_en     TEXT NOT NULL,
    title_fr     TEXT NOT NULL,
    opens_at     TIMESTAMP NOT NULL,
    deadline     TIMESTAMP NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE reporting_rounds;
DROP TABLE report_items;
DROP TABLE implementation_reports;
DROP TABLE endorsements;
DROP TABLE signing_keys;
DROP TABLE framework_versions;
DROP TABLE frameworks;
DROP TABLE ledger_worker;
DROP TABLE ledger_outbox;
