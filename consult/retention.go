package consult

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/store"
)

// Retention of respondents' identities: a consultation keeps names,
// organisation names, email addresses and resume links for
// RetentionMonths after it closes. Then EraseExpiredIdentities erases
// them, keeping the answers, the counts and the published summary.
const (
	DefaultRetentionMonths = 12
	MaxRetentionMonths     = 120
)

// RetentionEnds returns when respondents' identities are erased: the
// closing time plus the retention period.
func (c Consultation) RetentionEnds() time.Time {
	return c.ClosesAt.AddDate(0, c.retentionMonths(), 0)
}

// Erasure reports what one run of the retention job did.
type Erasure struct {
	Consultations []int64 // the consultations whose identities were erased
	Responses     int     // responses whose identity fields were erased
}

// RetentionLease names the lease the scheduled retention job takes, so
// that of several instances only one runs it at a time.
const RetentionLease = "retention"

// EraseExpiredIdentities erases respondents' identities in every
// consultation whose retention period ended at or before the service's
// current time. For each response it erases the name, organisation name,
// email address, country (kept for states, whose country is who they
// are), the resume link (its hash is replaced, so the link opens nothing),
// the link to a delegate's account and the attachments' file names; a
// respondent who agreed to publication under their name keeps only the
// name published in the summary. Answers, consent records, receipts and
// counts stay. Each consultation is erased in one transaction with an
// audit event, and is not visited again.
//
// It is for the scheduler and the command line: there is no actor, so it
// needs no permission; it only ever removes data.
func (s *Service) EraseExpiredIdentities(ctx context.Context) (Erasure, error) {
	now := s.now()
	rows, err := s.DB.Query(ctx, `SELECT `+consultationCols+` FROM consultations
		WHERE identities_erased_at IS NULL AND status <> 'draft' AND closes_at <= $1 ORDER BY id`, now)
	due, err := store.ScanAll(rows, err, func(r *sql.Rows) (Consultation, error) { return scanConsultation(r) })
	if err != nil {
		return Erasure{}, err
	}
	var out Erasure
	for _, c := range due {
		if c.State(now) == Open || now.Before(c.RetentionEnds()) {
			continue
		}
		n, err := s.eraseIdentities(ctx, c.ID, now)
		if err != nil {
			return out, fmt.Errorf("consultation %d: %w", c.ID, err)
		}
		out.Consultations = append(out.Consultations, c.ID)
		out.Responses += n
	}
	return out, nil
}

func (s *Service) eraseIdentities(ctx context.Context, id int64, now time.Time) (int, error) {
	k := s.keys()
	var n int
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var erased sql.NullTime
		if err := tx.QueryRow(ctx, `SELECT identities_erased_at FROM consultations WHERE id = $1`, id).Scan(&erased); err != nil {
			return err
		}
		if erased.Valid {
			return nil // another instance got here first
		}
		type named struct {
			id            int64
			name, orgName string
		}
		rows, err := tx.Query(ctx, `SELECT id, name, organisation_name FROM consult_responses
			WHERE consultation_id = $1 AND status = 'submitted' AND consent_publish = 'named'`, id)
		keep, err := store.ScanAll(rows, err, func(r *sql.Rows) (named, error) {
			var x named
			return x, r.Scan(&x.id, &x.name, &x.orgName)
		})
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE consult_responses SET name = '', organisation_name = '', email = '',
			country = CASE WHEN stakeholder = 'state' THEN country ELSE '' END,
			token_hash = $2 || CAST(id AS TEXT), consent_contact = FALSE, api_user_id = NULL
			WHERE consultation_id = $1 AND status <> 'withdrawn'`, id, "erased-"+randomHex()+"-")
		if err != nil {
			return err
		}
		n64, _ := res.RowsAffected()
		n = int(n64)
		// The summary publishes a named response under its organisation's
		// name, or the person's when there is none: keep that one, sealed.
		for _, x := range keep {
			org, err := k.Open(sealOrganisation, x.orgName)
			if err != nil {
				return err
			}
			name, err := k.Open(sealName, x.name)
			if err != nil {
				return err
			}
			if org != "" {
				name = ""
			}
			if _, err := tx.Exec(ctx, `UPDATE consult_responses SET name = $1, organisation_name = $2 WHERE id = $3`,
				k.Seal(sealName, name), k.Seal(sealOrganisation, org), x.id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE consult_files SET name = '' WHERE response_id IN (SELECT id FROM consult_responses WHERE consultation_id = $1)`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE consultations SET identities_erased_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "consultation.erase_identities", "consultation", id, fmt.Sprintf("%d responses", n))
	})
	return n, err
}

// randomHex makes the replacement resume-link hashes unguessable and
// distinct from any SHA-256 a real link hashes to.
func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
