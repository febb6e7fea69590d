-- +goose Up
-- Running more than one server against one database (docs/scaling.md).

-- leases: named claims with an expiry, so that only one instance at a time
-- does a piece of background work (analysing a deliberation, for example).
-- The holder renews its lease; if it dies, the lease expires and another
-- instance takes over. Times are unix milliseconds.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);

-- export_jobs: consultation exports run in the background by whichever
-- instance claims them. The file is written under the data directory's
-- jobs/ folder (shared storage when there are several instances). id is
-- 128 random bits in hex; only the requester may see or download a job.
CREATE TABLE export_jobs (
    id              TEXT PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    consultation_id BIGINT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    format          TEXT NOT NULL,
    scope           TEXT NOT NULL DEFAULT 'responses',
    state           TEXT NOT NULL,         -- queued, running, done, failed
    done            BIGINT NOT NULL DEFAULT 0,
    total           BIGINT NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX export_jobs_pending ON export_jobs (state, lease_until);
CREATE INDEX export_jobs_created ON export_jobs (created_at);

-- +goose Down
DROP TABLE export_jobs;
DROP TABLE leases;
