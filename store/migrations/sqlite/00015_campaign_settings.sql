-- +goose Up
-- Campaign detection's thresholds, kept per consultation (docs/campaigns.md):
-- the smallest group of near-identical answers reported as a campaign, and
-- how many of a campaign's answers within a minute raise a burst flag. A
-- consultation without a row uses the defaults (10 and 20).
CREATE TABLE consult_campaign_settings (
    consultation_id INTEGER PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
    min_size        INTEGER NOT NULL CHECK (min_size BETWEEN 2 AND 100000),
    burst_min       INTEGER NOT NULL CHECK (burst_min BETWEEN 2 AND 100000),
    updated_by      INTEGER,
    updated_at      TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE consult_campaign_settings;
