package consult

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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

// The kinds of suspicious pattern.
const (
	FlagBurst            = "burst"
	FlagFastTyping       = "fast-typing"
	FlagSameOrganisation = "same-organisation"
)

// The states of a flag: open until an analyst upholds or dismisses it.
const (
	FlagOpen      = "open"
	FlagUpheld    = "upheld"
	FlagDismissed = "dismissed"
)

// burstEvidence is a campaign's densest minute.
type burstEvidence struct {
	CampaignID    int64     `json:"campaign_id"`
	QuestionID    int64     `json:"question_id"`
	Count         int       `json:"count"`
	WindowSeconds int       `json:"window_seconds"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	ResponseIDs   []int64   `json:"-"`
}

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
	// from Contacts different contacts.
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

// suspiciousTyping returns a fast-typing flag for each response, not
// submitted by an organisation's system through the API, whose free text
// was submitted faster than CharsPerSecond after it was started.
func suspiciousTyping(texts []textRow, opts CampaignOptions) []flagRow {
	type resp struct {
		chars              int
		started, submitted time.Time
		api                bool
	}
	byID := map[int64]*resp{}
	var order []int64
	for _, t := range texts {
		r := byID[t.response]
		if r == nil {
			r = &resp{started: t.started, submitted: t.submitted, api: t.viaAPI}
			byID[t.response] = r
			order = append(order, t.response)
		}
		r.chars += utf8.RuneCountInString(t.body)
	}
	slices.Sort(order)
	var out []flagRow
	for _, id := range order {
		r := byID[id]
		secs := r.submitted.Sub(r.started).Seconds()
		if r.api || r.chars < 200 {
			continue
		}
		rate := float64(r.chars) / max(secs, 1)
		if rate <= opts.CharsPerSecond {
			continue
		}
		out = append(out, flagRow{kind: FlagFastTyping, fingerprint: "typing:" + strconv.FormatInt(id, 10), ids: []int64{id},
			ev: FlagEvidence{Chars: r.chars, Seconds: secs, CharsPerSecond: float64(int(rate*10)) / 10}})
	}
	return out
}

// sameOrganisation returns a flag for each organisation claimed, by
// respondents answering as organisations, from at least OrgContacts
// different contacts (email address, or name when there is none). Names
// are compared normalised, in memory; the flag keeps only a keyed index
// of the organisation's name (vault.Index), never the name.
func (s *Service) sameOrganisation(ctx context.Context, q store.Querier, consultationID int64, opts CampaignOptions) ([]flagRow, error) {
	rows, err := q.Query(ctx, `SELECT id, name, organisation_name, email FROM consult_responses
		WHERE consultation_id = $1 AND status = 'submitted' AND respondent_kind = 'organisation' ORDER BY id`, consultationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type claims struct {
		ids      []int64
		contacts map[string]bool
	}
	byOrg := map[string]*claims{}
	var orgs []string
	for rows.Next() {
		var id int64
		var name, org, email string
		if err := rows.Scan(&id, &name, &org, &email); err != nil {
			return nil, err
		}
		if err := openIdentity(s.keys(), &name, &org, &email); err != nil {
			return nil, err
		}
		o := campaign.Normalise(org)
		if o == "" {
			continue
		}
		contact := strings.ToLower(strings.TrimSpace(email))
		if contact == "" {
			contact = "name:" + campaign.Normalise(name)
		}
		c := byOrg[o]
		if c == nil {
			c = &claims{contacts: map[string]bool{}}
			byOrg[o] = c
			orgs = append(orgs, o)
		}
		c.ids = append(c.ids, id)
		c.contacts[contact] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []flagRow
	for _, o := range orgs {
		c := byOrg[o]
		if len(c.contacts) < opts.OrgContacts {
			continue
		}
		out = append(out, flagRow{kind: FlagSameOrganisation, fingerprint: "organisation:" + s.keys().Index("consult_campaign_flags.organisation", o), ids: c.ids,
			ev: FlagEvidence{Responses: len(c.ids), Contacts: len(c.contacts)}})
	}
	return out, nil
}

// storeFlags records the patterns found by a run. A pattern found again
// keeps its decision and gets fresh evidence; one no longer found is
// marked stale, never deleted.
func (s *Service) storeFlags(ctx context.Context, consultationID int64, texts []textRow, bursts []burstEvidence, opts CampaignOptions) error {
	var flags []flagRow
	for _, b := range bursts {
		flags = append(flags, flagRow{kind: FlagBurst, fingerprint: "burst:" + strconv.FormatInt(b.CampaignID, 10), ids: b.ResponseIDs,
			ev: FlagEvidence{CampaignID: b.CampaignID, QuestionID: b.QuestionID, Count: b.Count, WindowSeconds: b.WindowSeconds, Start: b.Start, End: b.End}})
	}
	flags = append(flags, suspiciousTyping(texts, opts)...)
	org, err := s.sameOrganisation(ctx, s.DB, consultationID, opts)
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
