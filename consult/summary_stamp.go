package consult

import (
	"context"
	"fmt"
)

// SummaryStamp returns a short string that changes whenever anything the
// published summary of consultation id is built from changes: its status,
// its responses (submission, consent, withdrawal: each sets updated_at),
// redactions and campaign decisions, and the consultation itself. The summary page caches a summary
// until its stamp changes. It reads only counts and maxima over indexed
// columns, so it costs a few milliseconds where Summary reads every
// response.
func (s *Service) SummaryStamp(ctx context.Context, id int64) (string, error) {
	var status, updated string
	var responses, redactions, campaigns int64
	var respAt, redAt, campAt *string
	err := s.DB.QueryRow(ctx, `SELECT c.status, CAST(c.updated_at AS TEXT),
		(SELECT COUNT(*) FROM consult_responses WHERE consultation_id = c.id),
		(SELECT CAST(MAX(updated_at) AS TEXT) FROM consult_responses WHERE consultation_id = c.id),
		(SELECT COUNT(*) FROM consult_redactions d JOIN consult_responses r ON r.id = d.response_id WHERE r.consultation_id = c.id),
		(SELECT CAST(MAX(d.id) AS TEXT) FROM consult_redactions d JOIN consult_responses r ON r.id = d.response_id WHERE r.consultation_id = c.id),
		(SELECT COUNT(*) FROM consult_campaigns WHERE consultation_id = c.id),
		(SELECT CAST(MAX(updated_at) AS TEXT) FROM consult_campaigns WHERE consultation_id = c.id)
		FROM consultations c WHERE c.id = $1`, id).Scan(&status, &updated, &responses, &respAt, &redactions, &redAt, &campaigns, &campAt)
	if err != nil {
		return "", err
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return fmt.Sprintf("%s/%s/%d/%s/%d/%s/%d/%s", status, updated, responses, str(respAt), redactions, str(redAt), campaigns, str(campAt)), nil
}
