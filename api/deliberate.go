package api

import (
	"net/http"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/deliberate"
)

// ParticipantTokenHeader carries a deliberation participant's token. The
// Authorization header is for account tokens, so a participant token
// travels in a header of its own.
const ParticipantTokenHeader = "X-Participant-Token"

func (s *Server) deliberations() *deliberate.Service { return &deliberate.Service{DB: s.DB} }

// NewParticipant is the body of POST /api/v1/deliberations/{id}/participants.
type NewParticipant struct {
	Stakeholder auth.OrgKind `json:"stakeholder"`
}

// ParticipantCreated returns a new participant's token, shown only once.
type ParticipantCreated struct {
	ParticipantToken string       `json:"participant_token"`
	Stakeholder      auth.OrgKind `json:"stakeholder,omitempty"`
}

func (s *Server) createParticipant(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in NewParticipant
	if err := decode(r, &in); err != nil {
		return err
	}
	p, token, err := s.deliberations().Join(r.Context(), id, in.Stakeholder)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ParticipantCreated{ParticipantToken: token, Stakeholder: p.Stakeholder})
	return nil
}

// NewVote is the body of POST /api/v1/deliberations/{id}/votes.
type NewVote struct {
	StatementID int64  `json:"statement_id"`
	Vote        string `json:"vote"`
}

func (s *Server) castVote(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	token := r.Header.Get(ParticipantTokenHeader)
	if token == "" {
		return pallmall.ErrUnauthenticated
	}
	var in NewVote
	if err := decode(r, &in); err != nil {
		return err
	}
	v, ok := deliberate.ParseValue(in.Vote)
	if !ok {
		ve := &pallmall.ValidationError{}
		ve.Add("vote", "deliberate.error.vote_value")
		return ve
	}
	if _, err := s.deliberations().Get(r.Context(), auth.Actor{}, id); err != nil {
		return err
	}
	if _, err := s.deliberations().ByToken(r.Context(), id, token); err != nil {
		return pallmall.ErrUnauthenticated
	}
	if err := s.deliberations().Vote(r.Context(), id, token, in.StatementID, v); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/deliberations/"+strconv.FormatInt(id, 10)+"/analysis")
	writeJSON(w, http.StatusOK, NewVote{StatementID: in.StatementID, Vote: v.String()})
	return nil
}

func (s *Server) getDeliberationAnalysis(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	svc := s.deliberations()
	d, err := svc.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	a, err := svc.Latest(r.Context(), actor, id)
	if err != nil {
		return err
	}
	sts, err := svc.Statements(r.Context(), actor, id, deliberate.Accepted)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, deliberate.NewExport(d, a, sts))
	return nil
}

// Deliberation is a deliberation as the API shows it, with its statements
// open for votes.
type Deliberation struct {
	ID                 int64                   `json:"id"`
	TitleEN            string                  `json:"title_en"`
	TitleFR            string                  `json:"title_fr"`
	DescriptionEN      string                  `json:"description_en"`
	DescriptionFR      string                  `json:"description_fr"`
	ConsultationID     *int64                  `json:"consultation_id"`
	Moderation         deliberate.Moderation   `json:"moderation"`
	RequireStakeholder bool                    `json:"require_stakeholder"`
	Status             deliberate.Status       `json:"status"`
	Statements         []DeliberationStatement `json:"statements,omitempty"`
}

// DeliberationStatement is a statement open for votes.
type DeliberationStatement struct {
	ID     int64             `json:"id"`
	TextEN string            `json:"text_en"`
	TextFR string            `json:"text_fr"`
	Origin deliberate.Origin `json:"origin"`
}

func deliberationJSON(d deliberate.Deliberation) Deliberation {
	out := Deliberation{ID: d.ID, TitleEN: d.TitleEN, TitleFR: d.TitleFR, DescriptionEN: d.DescriptionEN, DescriptionFR: d.DescriptionFR,
		Moderation: d.Moderation, RequireStakeholder: d.RequireStakeholder, Status: d.Status}
	if d.ConsultationID != 0 {
		id := d.ConsultationID
		out.ConsultationID = &id
	}
	return out
}

func (s *Server) listDeliberations(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	list, err := s.deliberations().List(r.Context(), actor)
	if err != nil {
		return err
	}
	page := Page[Deliberation]{Data: []Deliberation{}}
	for _, d := range list {
		page.Data = append(page.Data, deliberationJSON(d))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getDeliberation(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.deliberations().Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	sts, err := s.deliberations().Statements(r.Context(), actor, id, deliberate.Accepted)
	if err != nil {
		return err
	}
	out := deliberationJSON(d)
	out.Statements = []DeliberationStatement{}
	for _, st := range sts {
		out.Statements = append(out.Statements, DeliberationStatement{ID: st.ID, TextEN: st.TextEN, TextFR: st.TextFR, Origin: st.Origin})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
