package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// Campaigns (issue 8) for analysts' tools: the suggested campaigns of a
// consultation and the decision on each. Only the secretariat's and
// analysts' tokens may use them, as the campaign pages.

// Campaign is a campaign of near-identical answers to one question as the
// API shows it. Texts have the redactions applied.
type Campaign struct {
	ID         int64  `json:"id"`
	QuestionID int64  `json:"question_id"`
	Status     string `json:"status"`
	// Size counts its answers from submitted responses, Joined those
	// matched on submission since the last detection run.
	Size           int                         `json:"size"`
	Joined         int                         `json:"joined"`
	DistinctTexts  int                         `json:"distinct_texts"`
	Representative string                      `json:"representative"`
	First          time.Time                   `json:"first"`
	Last           time.Time                   `json:"last"`
	Stakeholders   map[consult.Stakeholder]int `json:"stakeholders"`
	// Burst is the most answers submitted within one minute, from
	// BurstStart.
	Burst      int               `json:"burst"`
	BurstStart *time.Time        `json:"burst_start,omitempty"`
	Variants   []CampaignVariant `json:"variants"`
	Stale      bool              `json:"stale"`
	Reason     string            `json:"reason,omitempty"`
	DecidedAt  *time.Time        `json:"decided_at,omitempty"`
}

// CampaignVariant is one of a campaign's other texts, with how many
// answers gave it.
type CampaignVariant struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

func campaignJSON(c consult.Campaign) Campaign {
	out := Campaign{ID: c.ID, QuestionID: c.QuestionID, Status: c.Status, Size: c.Size, Joined: c.Joined, DistinctTexts: c.Distinct,
		Representative: c.Representative, First: c.First, Last: c.Last, Stakeholders: c.Stakeholders, Burst: c.Burst, Variants: []CampaignVariant{},
		Stale: c.Stale, Reason: c.Reason}
	if out.Stakeholders == nil {
		out.Stakeholders = map[consult.Stakeholder]int{}
	}
	if !c.BurstStart.IsZero() {
		out.BurstStart = &c.BurstStart
	}
	if !c.DecidedAt.IsZero() {
		out.DecidedAt = &c.DecidedAt
	}
	for _, v := range c.Variants {
		out.Variants = append(out.Variants, CampaignVariant{Text: v.Text, Count: v.Count})
	}
	return out
}

// requireAnalyst refuses, before anything is read, whoever may not see
// campaigns: no token is 401, a token of another role 403.
func requireAnalyst(actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	if !actor.Is(auth.Secretariat, auth.Analyst) {
		return pallmall.ErrForbidden
	}
	return nil
}

// listCampaigns returns the consultation's campaigns, largest first;
// ?min_size=N keeps those of at least N answers.
func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if err := requireAnalyst(actor); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	minSize := 0
	if v := r.URL.Query().Get("min_size"); v != "" {
		if minSize, err = strconv.Atoi(v); err != nil || minSize < 0 {
			ve := &pallmall.ValidationError{}
			ve.Add("min_size", "campaigns.error.min_size")
			return ve
		}
	}
	list, err := s.consultations().Campaigns(r.Context(), actor, id, minSize)
	if err != nil {
		return err
	}
	out := Page[Campaign]{Data: []Campaign{}}
	for _, c := range list {
		out.Data = append(out.Data, campaignJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Decision is the body of POST
// /api/v1/consultations/{id}/campaigns/{cid}/decision (decision
// "confirmed" or "dismissed") and of POST
// /api/v1/consultations/{id}/flags/{fid}/decision ("upheld" or
// "dismissed").
type Decision struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// readDecision reads an analyst's decision on one of a consultation's
// campaigns or flags: the consultation from the path, then the object's
// id (path value name), then the body, whose decision must be one of
// allowed. The consultation is looked up before the body is read, so a
// refusal does not depend on what was sent.
func (s *Server) readDecision(r *http.Request, actor auth.Actor, name string, allowed ...string) (id, objectID int64, in Decision, err error) {
	if err := requireAnalyst(actor); err != nil {
		return 0, 0, in, err
	}
	if id, err = pathID(r); err != nil {
		return 0, 0, in, err
	}
	objectID, err = strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || objectID <= 0 {
		return 0, 0, in, pallmall.ErrNotFound
	}
	if _, err := s.consultations().Get(r.Context(), actor, id); err != nil {
		return 0, 0, in, err
	}
	if err := decode(r, &in); err != nil {
		return 0, 0, in, err
	}
	if !slices.Contains(allowed, in.Decision) {
		ve := &pallmall.ValidationError{}
		ve.Add("decision", "error.choose_one")
		return 0, 0, in, ve
	}
	return id, objectID, in, nil
}

// decideCampaign confirms or dismisses a campaign with a reason, audited
// (consult.DecideCampaign), and returns the campaign.
func (s *Server) decideCampaign(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, cid, in, err := s.readDecision(r, actor, "cid", consult.CampaignConfirmed, consult.CampaignDismissed)
	if err != nil {
		return err
	}
	svc := s.consultations()
	if err := svc.DecideCampaign(r.Context(), actor, id, cid, in.Decision, in.Reason); err != nil {
		return err
	}
	list, err := svc.Campaigns(r.Context(), actor, id, 0)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.ID == cid {
			writeJSON(w, http.StatusOK, campaignJSON(c))
			return nil
		}
	}
	// Every answer of the campaign was withdrawn: only the decision is left.
	writeJSON(w, http.StatusOK, Campaign{ID: cid, Status: in.Decision, Reason: in.Reason, Variants: []CampaignVariant{}, Stakeholders: map[consult.Stakeholder]int{}})
	return nil
}

// Flag is a suspicious pattern in a consultation's responses as the API
// shows it: a burst of near-identical answers, an answer typed faster than
// a person could, or one organisation claimed from many contacts. A flag
// never acts on a response: an analyst upholds or dismisses it.
type Flag struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	// References are the public references of the responses concerned.
	References []string             `json:"references"`
	Evidence   consult.FlagEvidence `json:"evidence"`
	Status     string               `json:"status"`
	Reason     string               `json:"reason,omitempty"`
	DecidedAt  *time.Time           `json:"decided_at,omitempty"`
	// Stale is set when the latest detection run no longer found it.
	Stale bool `json:"stale"`
}

func flagJSON(f consult.Flag) Flag {
	out := Flag{ID: f.ID, Kind: f.Kind, References: f.References, Evidence: f.Evidence, Status: f.Status, Reason: f.Reason, Stale: f.Stale}
	if out.References == nil {
		out.References = []string{}
	}
	if !f.DecidedAt.IsZero() {
		out.DecidedAt = &f.DecidedAt
	}
	return out
}

// listFlags returns the consultation's flags, open ones first.
func (s *Server) listFlags(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if err := requireAnalyst(actor); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	list, err := s.consultations().Flags(r.Context(), actor, id)
	if err != nil {
		return err
	}
	out := Page[Flag]{Data: []Flag{}}
	for _, f := range list {
		out.Data = append(out.Data, flagJSON(f))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// decideFlag upholds or dismisses a flag with a reason, audited
// (consult.DecideFlag), and returns the flag.
func (s *Server) decideFlag(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, fid, in, err := s.readDecision(r, actor, "fid", consult.FlagUpheld, consult.FlagDismissed)
	if err != nil {
		return err
	}
	svc := s.consultations()
	if err := svc.DecideFlag(r.Context(), actor, id, fid, in.Decision, in.Reason); err != nil {
		return err
	}
	list, err := svc.Flags(r.Context(), actor, id)
	if err != nil {
		return err
	}
	for _, f := range list {
		if f.ID == fid {
			writeJSON(w, http.StatusOK, flagJSON(f))
			return nil
		}
	}
	return pallmall.ErrNotFound
}
