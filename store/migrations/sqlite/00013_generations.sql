-- +goose Up
-- Data generations: one row per domain, counting the committed changes to
-- the tables behind that domain's public pages. Triggers bump a domain's
-- row in the same transaction as the change, so a reader that sees the
-- change sees the new generation and the reverse; every instance reads the
-- same rows. The web package's page cache (web/pagecache.go) checks them
-- before it serves a stored page. Only tables written rarely, by the
-- secretariat, analysts or delegates, have triggers: responses, answers,
-- votes, sessions, the audit log and the ledger outbox do not, so that
-- their writers never wait for one another on a generation row. A page
-- that shows something those tables hold checks it another way (the
-- summary's consult.SummaryStamp, the ledger's logged_up_to). See
-- docs/architecture.md, "Cached public pages".
CREATE TABLE data_generations (
    domain     TEXT PRIMARY KEY,
    generation INTEGER NOT NULL DEFAULT 0
);
INSERT INTO data_generations (domain) VALUES ('consult'), ('deliberate'), ('declare'), ('register'), ('organisations');

-- SQLite triggers name one event each: an insert, update and delete
-- trigger per table. deliberations' update trigger lists its columns
-- but "changes", which every vote and moderation decision increments.
-- register_versions refuses updates and deletes (00004).
-- +goose StatementBegin
CREATE TRIGGER consultations_generation_insert AFTER INSERT ON consultations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consultations_generation_update AFTER UPDATE ON consultations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consultations_generation_delete AFTER DELETE ON consultations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_sections_generation_insert AFTER INSERT ON consult_sections
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_sections_generation_update AFTER UPDATE ON consult_sections
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_sections_generation_delete AFTER DELETE ON consult_sections
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_questions_generation_insert AFTER INSERT ON consult_questions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_questions_generation_update AFTER UPDATE ON consult_questions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_questions_generation_delete AFTER DELETE ON consult_questions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_changes_generation_insert AFTER INSERT ON consult_changes
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_changes_generation_update AFTER UPDATE ON consult_changes
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_changes_generation_delete AFTER DELETE ON consult_changes
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_redactions_generation_insert AFTER INSERT ON consult_redactions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_redactions_generation_update AFTER UPDATE ON consult_redactions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_redactions_generation_delete AFTER DELETE ON consult_redactions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'consult';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER frameworks_generation_insert AFTER INSERT ON frameworks
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER frameworks_generation_update AFTER UPDATE ON frameworks
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER frameworks_generation_delete AFTER DELETE ON frameworks
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER framework_versions_generation_insert AFTER INSERT ON framework_versions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER framework_versions_generation_update AFTER UPDATE ON framework_versions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER framework_versions_generation_delete AFTER DELETE ON framework_versions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER endorsements_generation_insert AFTER INSERT ON endorsements
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER endorsements_generation_update AFTER UPDATE ON endorsements
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER endorsements_generation_delete AFTER DELETE ON endorsements
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER signing_keys_generation_insert AFTER INSERT ON signing_keys
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER signing_keys_generation_update AFTER UPDATE ON signing_keys
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER signing_keys_generation_delete AFTER DELETE ON signing_keys
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER implementation_reports_generation_insert AFTER INSERT ON implementation_reports
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER implementation_reports_generation_update AFTER UPDATE ON implementation_reports
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER implementation_reports_generation_delete AFTER DELETE ON implementation_reports
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_items_generation_insert AFTER INSERT ON report_items
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_items_generation_update AFTER UPDATE ON report_items
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_items_generation_delete AFTER DELETE ON report_items
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reporting_rounds_generation_insert AFTER INSERT ON reporting_rounds
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reporting_rounds_generation_update AFTER UPDATE ON reporting_rounds
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reporting_rounds_generation_delete AFTER DELETE ON reporting_rounds
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'declare';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER register_records_generation_insert AFTER INSERT ON register_records
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'register';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER register_records_generation_update AFTER UPDATE ON register_records
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'register';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER register_records_generation_delete AFTER DELETE ON register_records
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'register';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER register_versions_generation_insert AFTER INSERT ON register_versions
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'register';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER register_proposals_generation_insert AFTER INSERT ON register_proposals
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'register';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER register_proposals_generation_update AFTER UPDATE ON register_proposals
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'register';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER register_proposals_generation_delete AFTER DELETE ON register_proposals
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'register';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_generation_insert AFTER INSERT ON organisations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'organisations';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_generation_update AFTER UPDATE ON organisations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'organisations';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_generation_delete AFTER DELETE ON organisations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'organisations';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER deliberations_generation_insert AFTER INSERT ON deliberations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'deliberate';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER deliberations_generation_update AFTER UPDATE OF title_en, title_fr, description_en, description_fr, consultation_id, moderation, require_stakeholder, status, created_at, updated_at ON deliberations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'deliberate';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER deliberations_generation_delete AFTER DELETE ON deliberations
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = 'deliberate';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER consultations_generation_insert;
DROP TRIGGER consultations_generation_update;
DROP TRIGGER consultations_generation_delete;
DROP TRIGGER consult_sections_generation_insert;
DROP TRIGGER consult_sections_generation_update;
DROP TRIGGER consult_sections_generation_delete;
DROP TRIGGER consult_questions_generation_insert;
DROP TRIGGER consult_questions_generation_update;
DROP TRIGGER consult_questions_generation_delete;
DROP TRIGGER consult_changes_generation_insert;
DROP TRIGGER consult_changes_generation_update;
DROP TRIGGER consult_changes_generation_delete;
DROP TRIGGER consult_redactions_generation_insert;
DROP TRIGGER consult_redactions_generation_update;
DROP TRIGGER consult_redactions_generation_delete;
DROP TRIGGER frameworks_generation_insert;
DROP TRIGGER frameworks_generation_update;
DROP TRIGGER frameworks_generation_delete;
DROP TRIGGER framework_versions_generation_insert;
DROP TRIGGER framework_versions_generation_update;
DROP TRIGGER framework_versions_generation_delete;
DROP TRIGGER endorsements_generation_insert;
DROP TRIGGER endorsements_generation_update;
DROP TRIGGER endorsements_generation_delete;
DROP TRIGGER signing_keys_generation_insert;
DROP TRIGGER signing_keys_generation_update;
DROP TRIGGER signing_keys_generation_delete;
DROP TRIGGER implementation_reports_generation_insert;
DROP TRIGGER implementation_reports_generation_update;
DROP TRIGGER implementation_reports_generation_delete;
DROP TRIGGER report_items_generation_insert;
DROP TRIGGER report_items_generation_update;
DROP TRIGGER report_items_generation_delete;
DROP TRIGGER reporting_rounds_generation_insert;
DROP TRIGGER reporting_rounds_generation_update;
DROP TRIGGER reporting_rounds_generation_delete;
DROP TRIGGER register_records_generation_insert;
DROP TRIGGER register_records_generation_update;
DROP TRIGGER register_records_generation_delete;
DROP TRIGGER register_versions_generation_insert;
DROP TRIGGER register_proposals_generation_insert;
DROP TRIGGER register_proposals_generation_update;
DROP TRIGGER register_proposals_generation_delete;
DROP TRIGGER organisations_generation_insert;
DROP TRIGGER organisations_generation_update;
DROP TRIGGER organisations_generation_delete;
DROP TRIGGER deliberations_generation_insert;
DROP TRIGGER deliberations_generation_update;
DROP TRIGGER deliberations_generation_delete;
DROP TABLE data_generations;
