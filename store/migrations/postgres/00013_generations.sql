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
    generation BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_generations (domain) VALUES ('consult'), ('deliberate'), ('declare'), ('register'), ('organisations');

-- One statement-level trigger per table: a statement bumps its domain's
-- generation once, however many rows it changes (an import of 10,000
-- register records is one bump per statement, not per row).
-- +goose StatementBegin
CREATE FUNCTION bump_data_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_generations SET generation = generation + 1 WHERE domain = TG_ARGV[0];
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER consultations_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consultations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('consult');
CREATE TRIGGER consult_sections_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consult_sections
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('consult');
CREATE TRIGGER consult_questions_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consult_questions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('consult');
CREATE TRIGGER consult_changes_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consult_changes
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('consult');
CREATE TRIGGER consult_redactions_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consult_redactions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('consult');
CREATE TRIGGER frameworks_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON frameworks
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('declare');
CREATE TRIGGER framework_versions_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON framework_versions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('declare');
CREATE TRIGGER endorsements_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON endorsements
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('declare');
CREATE TRIGGER signing_keys_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('declare');
CREATE TRIGGER implementation_reports_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON implementation_reports
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('declare');
CREATE TRIGGER report_items_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON report_items
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('declare');
CREATE TRIGGER reporting_rounds_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reporting_rounds
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('declare');
CREATE TRIGGER register_records_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON register_records
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('register');
CREATE TRIGGER register_versions_generation AFTER INSERT ON register_versions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('register');
CREATE TRIGGER register_proposals_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON register_proposals
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('register');
CREATE TRIGGER organisations_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('organisations');
-- Not on "changes", which every vote and moderation decision increments.
CREATE TRIGGER deliberations_generation AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF title_en, title_fr, description_en, description_fr, consultation_id, moderation, require_stakeholder, status, created_at, updated_at ON deliberations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation('deliberate');

-- +goose Down
DROP TRIGGER consultations_generation ON consultations;
DROP TRIGGER consult_sections_generation ON consult_sections;
DROP TRIGGER consult_questions_generation ON consult_questions;
DROP TRIGGER consult_changes_generation ON consult_changes;
DROP TRIGGER consult_redactions_generation ON consult_redactions;
DROP TRIGGER frameworks_generation ON frameworks;
DROP TRIGGER framework_versions_generation ON framework_versions;
DROP TRIGGER endorsements_generation ON endorsements;
DROP TRIGGER signing_keys_generation ON signing_keys;
DROP TRIGGER implementation_reports_generation ON implementation_reports;
DROP TRIGGER report_items_generation ON report_items;
DROP TRIGGER reporting_rounds_generation ON reporting_rounds;
DROP TRIGGER register_records_generation ON register_records;
DROP TRIGGER register_versions_generation ON register_versions;
DROP TRIGGER register_proposals_generation ON register_proposals;
DROP TRIGGER organisations_generation ON organisations;
DROP TRIGGER deliberations_generation ON deliberations;
DROP FUNCTION bump_data_generation;
DROP TABLE data_generations;
