package consult

import (
	"context"
	"fmt"

	"github.com/pallmall/pallmall/store"
)

// SummaryStamp returns a short string that changes whenever what the
// published summary of consultation id is built from changes in a way
// the summary can show: the consultation itself (status, update time),
// its sections, questions and redactions (through the consult data
// generation, store.GenConsult, which triggers bump on any change to
// them), its latest submitted and latest withdrawn response, and its
// campaigns. The responses are read through their index (consultation,
// status, id) by seeks alone (never counted or scanned), so the stamp
// costs the same at a million responses as at ten, where Summary reads
// every response. Responses cannot be submitted or withdrawn once the
// summary is published; a respondent's identity re-sealed under a new key
// reads the same, and the retention job keeps the published name (and
// marks the consultation, which bumps the generation).
func (s *Service) SummaryStamp(ctx context.Context, id int64) (string, error) {
	var status, updated string
	var generation, lastSubmitted, lastWithdrawn, campaigns int64
	var campaignAt *string
	err := s.DB.QueryRow(ctx, `SELECT c.status, CAST(c.updated_at AS TEXT), `+store.GenerationSQL(store.GenConsult)+`,
		(SELECT COALESCE(MAX(id), 0) FROM consult_responses WHERE consultation_id = c.id AND status = 'submitted'),
		(SELECT COALESCE(MAX(id), 0) FROM consult_responses WHERE consultation_id = c.id AND status = 'withdrawn'),
		(SELECT COUNT(*) FROM consult_campaigns WHERE consultation_id = c.id),
		(SELECT CAST(MAX(updated_at) AS TEXT) FROM consult_campaigns WHERE consultation_id = c.id)
		FROM consultations c WHERE c.id = $1`, id).Scan(&status, &updated, &generation, &lastSubmitted, &lastWithdrawn, &campaigns, &campaignAt)
	if err != nil {
		return "", err
	}
	at := ""
	if campaignAt != nil {
		at = *campaignAt
	}
	return fmt.Sprintf("%s/%s/%d/%d/%d/%d/%s", status, updated, generation, lastSubmitted, lastWithdrawn, campaigns, at), nil
}
