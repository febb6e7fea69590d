package consult

import (
	"context"
	"fmt"
)

// SummaryStamp returns a short string that changes whenever what the
// published summary of consultation id is built from changes in a way
// the summary can show: the consultation itself (status, update time),
// its latest submitted and latest withdrawn response, its
// redactions and its campaigns. The responses are read through their
// index (consultation, status, id) by seeks alone (never counted or scanned), so the stamp costs the
// same at a million responses as at ten, where Summary reads every
// response. Changes it does not see (a respondent's identity re-sealed
// or erased by retention) reach the summary page within its cache's
// maximum age; responses cannot be submitted or withdrawn once the
// summary is published.
func (s *Service) SummaryStamp(ctx context.Context, id int64) (string, error) {
	var status, updated string
	var lastSubmitted, lastWithdrawn, redactions, lastRedaction, campaigns int64
	var campaignAt *string
	err := s.DB.QueryRow(ctx, `SELECT c.status, CAST(c.updated_at AS TEXT),
		(SELECT COALESCE(MAX(id), 0) FROM consult_responses WHERE consultation_id = c.id AND status = 'submitted'),
		(SELECT COALESCE(MAX(id), 0) FROM consult_responses WHERE consultation_id = c.id AND status = 'withdrawn'),
		(SELECT COUNT(*) FROM consult_redactions d JOIN consult_responses r ON r.id = d.response_id WHERE r.consultation_id = c.id),
		(SELECT COALESCE(MAX(d.id), 0) FROM consult_redactions d JOIN consult_responses r ON r.id = d.response_id WHERE r.consultation_id = c.id),
		(SELECT COUNT(*) FROM consult_campaigns WHERE consultation_id = c.id),
		(SELECT CAST(MAX(updated_at) AS TEXT) FROM consult_campaigns WHERE consultation_id = c.id)
		FROM consultations c WHERE c.id = $1`, id).Scan(&status, &updated, &lastSubmitted, &lastWithdrawn, &redactions, &lastRedaction, &campaigns, &campaignAt)
	if err != nil {
		return "", err
	}
	at := ""
	if campaignAt != nil {
		at = *campaignAt
	}
	return fmt.Sprintf("%s/%s/%d/%d/%d/%d/%d/%s", status, updated, lastSubmitted, lastWithdrawn, redactions, lastRedaction, campaigns, at), nil
}
