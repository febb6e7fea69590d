package meet

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Outcome is what a meeting produced: the minutes or chair's summary, the
// documents adopted, and (in Endorsements) the endorsements made there.
type Outcome struct {
	SummaryEN, SummaryFR string
	// AdoptedEN and AdoptedFR name the documents adopted, one a line.
	AdoptedEN, AdoptedFR string
	// FrameworkVersionID is the framework version adopted, 0 for none.
	FrameworkVersionID int64
	PublishedAt        time.Time // zero until published
}

// Published reports whether the outcome is public.
func (o Outcome) Published() bool { return !o.PublishedAt.IsZero() }

// Summary returns the summary in lang.
func (o Outcome) Summary(lang string) string { return pick(lang, o.SummaryEN, o.SummaryFR) }

// Adopted returns the documents adopted in lang, one per element.
func (o Outcome) Adopted(lang string) []string {
	var out []string
	for _, l := range strings.Split(pick(lang, o.AdoptedEN, o.AdoptedFR), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Validate normalises o.
func (o *Outcome) Validate() error {
	var v pallmall.ValidationError
	o.SummaryEN, o.SummaryFR = strings.TrimSpace(o.SummaryEN), strings.TrimSpace(o.SummaryFR)
	o.AdoptedEN, o.AdoptedFR = strings.TrimSpace(o.AdoptedEN), strings.TrimSpace(o.AdoptedFR)
	for name, val := range map[string]string{"summary_en": o.SummaryEN, "summary_fr": o.SummaryFR} {
		switch {
		case val == "":
			v.Add(name, "error.required")
		case len(val) > 50000:
			v.Add(name, "error.too_long")
		}
	}
	if (o.AdoptedEN == "") != (o.AdoptedFR == "") {
		v.Add("adopted_fr", "meet.error.both_languages")
	}
	if o.FrameworkVersionID < 0 {
		v.Add("framework_version_id", "meet.error.link")
	}
	return v.Err()
}

// Endorsement is an endorsement made at a meeting: the organisation, and
// the endorsement's id in the frameworks capability when recorded there.
type Endorsement struct {
	OrganisationID int64
	EndorsementID  int64
}

// PublishOutcome publishes (or corrects) a meeting's outcome and the
// endorsements made there, replacing any earlier ones. Endorsing
// organisations must have been invited. Returns ErrForbidden unless actor
// is the secretariat, ErrNotFound, and a ValidationError.
func (s *Service) PublishOutcome(ctx context.Context, actor auth.Actor, meetingID int64, o Outcome, endorsements []Endorsement) error {
	if !actor.Is(auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	if err := o.Validate(); err != nil {
		return err
	}
	now := s.now()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var fv any
		if o.FrameworkVersionID > 0 {
			fv = o.FrameworkVersionID
		}
		res, err := tx.Exec(ctx, `UPDATE meetings SET outcome_summary_en = $1, outcome_summary_fr = $2, outcome_adopted_en = $3, outcome_adopted_fr = $4,
			outcome_framework_version_id = $5, outcome_published_at = $6, updated_at = $6 WHERE id = $7`,
			o.SummaryEN, o.SummaryFR, o.AdoptedEN, o.AdoptedFR, fv, now, meetingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM meeting_endorsements WHERE meeting_id = $1`, meetingID); err != nil {
			return err
		}
		for _, e := range endorsements {
			ok, err := invited(ctx, tx, meetingID, e.OrganisationID)
			if err != nil {
				return err
			}
			if !ok {
				var v pallmall.ValidationError
				v.Add("endorsements", "meet.error.endorser_not_invited")
				return &v
			}
			var eid any
			if e.EndorsementID > 0 {
				eid = e.EndorsementID
			}
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_endorsements (meeting_id, organisation_id, endorsement_id) VALUES ($1, $2, $3)
				ON CONFLICT (meeting_id, organisation_id) DO NOTHING`, meetingID, e.OrganisationID, eid); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor.UserID, "meeting.outcome.publish", "meeting", meetingID, fmt.Sprintf("endorsements=%d", len(endorsements)))
	})
}

// Endorsements lists the endorsements made at a meeting, once its outcome
// is published (the secretariat sees them before). Returns ErrNotFound if
// actor may not see the meeting.
func (s *Service) Endorsements(ctx context.Context, actor auth.Actor, meetingID int64) ([]Endorsement, error) {
	m, err := s.Meeting(ctx, actor, meetingID)
	if err != nil {
		return nil, err
	}
	if !m.Outcome.Published() && !actor.Is(auth.Secretariat) {
		return nil, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT organisation_id, endorsement_id FROM meeting_endorsements WHERE meeting_id = $1 ORDER BY organisation_id`, meetingID)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Endorsement, error) {
		var e Endorsement
		var id sql.NullInt64
		err := r.Scan(&e.OrganisationID, &id)
		e.EndorsementID = id.Int64
		return e, err
	})
}
