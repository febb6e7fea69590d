-- +goose Up
-- Meetings of the process: plenaries, intermediary meetings, workshops and
-- webinars. Times are stored in UTC; time_zone is the venue's IANA zone, in
-- which people see them and the calendar files state them.
CREATE TABLE meetings (
    id                     INTEGER PRIMARY KEY,
    title_en               TEXT NOT NULL,
    title_fr               TEXT NOT NULL,
    description_en         TEXT NOT NULL DEFAULT '',
    description_fr         TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL CHECK (kind IN ('plenary', 'intermediary', 'workshop', 'webinar')),
    format                 TEXT NOT NULL CHECK (format IN ('in_person', 'online', 'hybrid')),
    venue                  TEXT NOT NULL DEFAULT '',
    city                   TEXT NOT NULL DEFAULT '',
    time_zone              TEXT NOT NULL,
    starts_at              TIMESTAMP NOT NULL,
    ends_at                TIMESTAMP NOT NULL,
    registration_deadline  TIMESTAMP NOT NULL,
    capacity               INTEGER NOT NULL CHECK (capacity > 0),
    delegation_limit       INTEGER NOT NULL CHECK (delegation_limit > 0),
    visibility             TEXT NOT NULL CHECK (visibility IN ('public', 'invited')),
    chatham_house          BOOLEAN NOT NULL DEFAULT FALSE,
    cancelled              BOOLEAN NOT NULL DEFAULT FALSE,
    sequence               INTEGER NOT NULL DEFAULT 0,
    outcome_summary_en     TEXT NOT NULL DEFAULT '',
    outcome_summary_fr     TEXT NOT NULL DEFAULT '',
    outcome_adopted_en     TEXT NOT NULL DEFAULT '',
    outcome_adopted_fr     TEXT NOT NULL DEFAULT '',
    outcome_framework_version_id INTEGER,
    outcome_published_at   TIMESTAMP,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetings_starts_at ON meetings (starts_at);

CREATE TABLE meeting_invitations (
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    invited_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, organisation_id)
);
CREATE INDEX meeting_invitations_org ON meeting_invitations (organisation_id);

-- One registration per organisation and meeting; its people are in
-- meeting_participants. Status moves between confirmed, waitlisted and
-- cancelled; rank orders the waiting list.
CREATE TABLE meeting_registrations (
    id              INTEGER PRIMARY KEY,
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    interpretation  TEXT NOT NULL DEFAULT 'none' CHECK (interpretation IN ('none', 'en', 'fr', 'both')),
    rank            INTEGER NOT NULL,
    registered_by   INTEGER REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (meeting_id, organisation_id)
);

-- Dietary and access needs are personal data shown only to the
-- secretariat (and to the delegation that gave them).
CREATE TABLE meeting_participants (
    registration_id INTEGER NOT NULL REFERENCES meeting_registrations (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    job_title       TEXT NOT NULL DEFAULT '',
    is_head         BOOLEAN NOT NULL DEFAULT FALSE,
    dietary         TEXT NOT NULL DEFAULT '',
    access_needs    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (registration_id, position)
);

-- The agenda. Links point at other capabilities' objects by kind and id.
CREATE TABLE meeting_sessions (
    id               INTEGER PRIMARY KEY,
    meeting_id       INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    starts_at        TIMESTAMP NOT NULL,
    ends_at          TIMESTAMP NOT NULL,
    title_en         TEXT NOT NULL,
    title_fr         TEXT NOT NULL,
    room             TEXT NOT NULL DEFAULT '',
    deliberation_id  INTEGER,
    CHECK (ends_at > starts_at)
);
CREATE INDEX meeting_sessions_meeting ON meeting_sessions (meeting_id, starts_at);

CREATE TABLE meeting_session_speakers (
    session_id      INTEGER NOT NULL REFERENCES meeting_sessions (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, position)
);

CREATE TABLE meeting_session_links (
    session_id INTEGER NOT NULL REFERENCES meeting_sessions (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('consultation', 'framework_version', 'register_statistics')),
    ref_id     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, position)
);

-- Endorsements made at a meeting: the organisation, and the endorsement's
-- id in the declare capability when it is recorded there.
CREATE TABLE meeting_endorsements (
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    endorsement_id  INTEGER,
    PRIMARY KEY (meeting_id, organisation_id)
);

-- Email waiting to be sent, written in the same transaction as the change
-- it announces. The secretariat reads it in the browser; a sender delivers
-- it over SMTP when one is configured.
CREATE TABLE meeting_outbox (
    id          INTEGER PRIMARY KEY,
    created_at  TIMESTAMP NOT NULL,
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    event       TEXT NOT NULL,
    to_address  TEXT NOT NULL,
    to_name     TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    sent_at     TIMESTAMP,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meeting_outbox_pending ON meeting_outbox (sent_at, id);

-- +goose Down
DROP TABLE meeting_outbox;
DROP TABLE meeting_endorsements;
DROP TABLE meeting_session_links;
DROP TABLE meeting_session_speakers;
DROP TABLE meeting_sessions;
DROP TABLE meeting_participants;
DROP TABLE meeting_registrations;
DROP TABLE meeting_invitations;
DROP TABLE meetings;
