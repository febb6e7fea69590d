package consult

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult/campaign"
	"github.com/pallmall/pallmall/store"
)

// The kinds of suspicious pattern, consult/campaign's.
const (
	FlagBurst            = campaign.KindBurst
	FlagFastTyping       = campaign.KindFastTyping
	FlagSameOrganisation = campaign.KindSameOrganisation
)

// The states of a flag: open until an analyst upholds or dismisses it.
const (
	FlagOpen      = "open"
	FlagUpheld    = "upheld"
	FlagDismissed = "dismissed"
)

// FlagEvidence is what a flag rests on; which fields are set depends on
// the kind. It never holds an address, a device detail or a name.
type FlagEvidence struct {
	// burst: Count answers of campaign CampaignID (to question
	// QuestionID) submitted between Start and End, within WindowSeconds.
	CampaignID    int64     `json:"campaign_id,omitempty"`
	QuestionID    int64     `json:"question_id,omitempty"`
	Count         int       `json:"count,omitempty"`
	WindowSeconds int       `json:"window_seconds,omitempty"`
	Start         time.Time `json:"start,omitzero"`
	End           time.Time `json:"end,omitzero"`
	// fast-typing: Chars characters of free text submitted Seconds after
	// the response was started.
	Chars          int     `json:"chars,omitempty"`
	Seconds        float64 `json:"seconds,omitempty"`
	CharsPerSecond float64 `json:"chars_per_second,omitempty"`
	// same-organisation: Responses responses claiming one organisation,
	// from Contacts different contacts, the first submitted at Start and
	// the last at End.
	Responses int `json:"responses,omitempty"`
	Contacts  int `json:"contacts,omitempty"`
}

// Flag is a suspicious pattern with its evidence and the decision on it.
type Flag struct {
	ID          int64
	Kind        string
	ResponseIDs []int64
	// References are the responses' public references, in ResponseIDs'
	// order.
	References []string
	Evidence   FlagEvidence
	Status     string
	DecidedBy  int64
	DecidedAt  time.Time
	Reason     string
	// Stale is set when the latest run no longer found the pattern.
	Stale bool
}

type flagRow struct {
	kind, fingerprint string
	ids               []int64
	ev                FlagEvidence
}

// burstFlag is the row of campaign.Bursts' flag on stored campaign
// campaignID, answers to question questionID.
func burstFlag(campaignID, questionID int64, f campaign.Flag, byResponse map[int64]textRow) flagRow {
	ev := FlagEvidence{CampaignID: campaignID, QuestionID: questionID, Count: f.Count, WindowSeconds: int(f.Window / time.Second), Start: f.Start.UTC()}
	for _, id := range f.ResponseIDs {
		if at := byResponse[id].submitted; at.After(ev.End) {
			ev.End = at
		}
	}
	return flagRow{kind: FlagBurst, fingerprint: "burst:" + strconv.FormatInt(campaignID, 10), ids: f.ResponseIDs, ev: ev}
}

// suspiciousTyping returns campaign.FastTyping's flags on the responses'
// free text (all their free-text answers together, timed from when the
// response was started to when it was submitted). Responses sent by an
// organisation's system through the API are not timed: a system pastes.
func suspiciousTyping(texts []textRow, opts campaign.TypingOptions) []flagRow {
	byID := map[int64]int{} // response -> index in timings
	var timings []campaign.Timing
	for _, t := range texts {
		if t.viaAPI {
			continue
		}
		i, ok := byID[t.response]
		if !ok {
			i = len(timings)
			byID[t.response] = i
			timings = append(timings, campaign.Timing{ResponseID: t.response, Started: t.started, Submitted: t.submitted})
		}
		timings[i].Chars += utf8.RuneCountInString(t.body)
	}
	var out []flagRow
	for _, f := range campaign.FastTyping(timings, opts) {
		id := f.ResponseIDs[0]
		out = append(out, flagRow{kind: FlagFastTyping, fingerprint: "typing:" + strconv.FormatInt(id, 10), ids: f.ResponseIDs,
			ev: FlagEvidence{Chars: f.Chars, Seconds: f.Window.Seconds(), CharsPerSecond: math.Floor(f.CharsPerSecond*10) / 10}})
	}
	return out
}

// sameOrganisation returns campaign.SameOrganisation's flags on the
// submitted responses of respondents answering as organisations. Names
// are unsealed and compared in memory as campaign.OrganisationKey; the
// claims carry only keyed indexes (vault.Index) of that key and of the
// contact (the email address, or the name when there is none), and the
// flag keeps only the organisation's index, never its name.
func (s *Service) sameOrganisation(ctx context.Context, q store.Querier, consultationID int64, opts campaign.OrgOptions) ([]flagRow, error) {
	rows, err := q.Query(ctx, `SELECT id, name, organisation_name, email, submitted_at FROM consult_responses
		WHERE consultation_id = $1 AND status = 'submitted' AND respondent_kind = 'organisation' ORDER BY id`, consultationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := s.keys()
	var claims []campaign.Claim
	for rows.Next() {
		var id int64
		var name, org, email string
		var at time.Time
		if err := rows.Scan(&id, &name, &org, &email, &at); err != nil {
			return nil, err
		}
		if err := openIdentity(keys, &name, &org, &email); err != nil {
			return nil, err
		}
		o := campaign.OrganisationKey(org)
		if o == "" {
			continue
		}
		contact := strings.ToLower(strings.TrimSpace(email))
		if contact == "" {
			contact = "name:" + campaign.Normalise(name)
		}
		claims = append(claims, campaign.Claim{ResponseID: id, At: at.UTC(),
			Organisation: keys.Index("consult_campaign_flags.organisation", o), Contact: keys.Index("consult_campaign_flags.contact", contact)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []flagRow
	for _, f := range campaign.SameOrganisation(claims, opts) {
		out = append(out, flagRow{kind: FlagSameOrganisation, fingerprint: "organisation:" + f.Organisation, ids: f.ResponseIDs,
			ev: FlagEvidence{Responses: f.Count, Contacts: f.Contacts, Start: f.Start, End: f.Start.Add(f.Window)}})
	}
	return out, nil
}

// storeFlags records the patterns found by a run. A pattern found again
// keeps its decision and gets fresh evidence; one no longer found is
// marked stale, never deleted.
func (s *Service) storeFlags(ctx context.Context, consultationID int64, texts []textRow, bursts []flagRow, opts CampaignOptions) error {
	flags := append(slices.Clip(bursts), suspiciousTyping(texts, opts.Typing)...)
	org, err := s.sameOrganisation(ctx, s.DB, consultationID, opts.Organisation)
	if err != nil {
		return err
	}
	flags = append(flags, org...)
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE consult_campaign_flags SET stale = TRUE WHERE consultation_id = $1`, consultationID); err != nil {
			return err
		}
		for _, f := range flags {
			ids, _ := json.Marshal(f.ids)
			ev, _ := json.Marshal(f.ev)
			_, err := tx.Exec(ctx, `INSERT INTO consult_campaign_flags (consultation_id, kind, fingerprint, response_ids, evidence, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (consultation_id, fingerprint) DO UPDATE
				SET response_ids = excluded.response_ids, evidence = excluded.evidence, stale = FALSE, updated_at = excluded.updated_at`,
				consultationID, f.kind, f.fingerprint, string(ids), string(ev), now)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Flags returns a consultation's suspicious patterns, open ones first,
// to the secretariat and analysts.
func (s *Service) Flags(ctx context.Context, actor auth.Actor, consultationID int64) ([]Flag, error) {
	if !canAnalyse(actor) {
		return nil, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, kind, response_ids, evidence, status, decided_by, decided_at, reason, stale FROM consult_campaign_flags
		WHERE consultation_id = $1 ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, stale, id`, consultationID)
	flags, err := store.ScanAll(rows, err, func(r *sql.Rows) (Flag, error) {
		var f Flag
		var ids, ev string
		var by sql.NullInt64
		var at sql.NullTime
		if err := r.Scan(&f.ID, &f.Kind, &ids, &ev, &f.Status, &by, &at, &f.Reason, &f.Stale); err != nil {
			return f, err
		}
		f.DecidedBy, f.DecidedAt = by.Int64, at.Time.UTC()
		if err := json.Unmarshal([]byte(ids), &f.ResponseIDs); err != nil {
			return f, err
		}
		return f, json.Unmarshal([]byte(ev), &f.Evidence)
	})
	if err != nil {
		return nil, err
	}
	refs, err := references(ctx, s.DB, consultationID)
	if err != nil {
		return nil, err
	}
	for i := range flags {
		for _, id := range flags[i].ResponseIDs {
			flags[i].References = append(flags[i].References, refs[id])
		}
	}
	return flags, nil
}

func references(ctx context.Context, q store.Querier, consultationID int64) (map[int64]string, error) {
	rows, err := q.Query(ctx, `SELECT id, reference FROM consult_responses WHERE consultation_id = $1`, consultationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var ref string
		if err := rows.Scan(&id, &ref); err != nil {
			return nil, err
		}
		out[id] = ref
	}
	return out, rows.Err()
}

// validDecision checks a decision's reason, returning it cleaned.
func validDecision(reason string) (string, error) {
	reason = cleanText(reason)
	var v pallmall.ValidationError
	switch {
	case reason == "":
		v.Add("reason", "error.required")
	case len(reason) > 1000:
		v.Add("reason", "error.too_long")
	}
	return reason, v.Err()
}

// DecideFlag records an analyst's decision on a flag (FlagUpheld or
// FlagDismissed) with its reason, audited in the same transaction. Nothing
// else changes: a flag never acts on a response by itself.
func (s *Service) DecideFlag(ctx context.Context, actor auth.Actor, consultationID, flagID int64, status, reason string) error {
	if !canAnalyse(actor) || actor.UserID == 0 {
		return pallmall.ErrForbidden
	}
	if status != FlagUpheld && status != FlagDismissed {
		return fmt.Errorf("%w: decision %q", pallmall.ErrInvalid, status)
	}
	reason, err := validDecision(reason)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE consult_campaign_flags SET status = $1, decided_by = $2, decided_at = $3, reason = $4, updated_at = $3
			WHERE id = $5 AND consultation_id = $6`, status, actor.UserID, s.now(), reason, flagID, consultationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.flag_"+status, "consultation", consultationID, fmt.Sprintf("flag %d: %s", flagID, reason))
	})
}
