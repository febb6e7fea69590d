package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// Consultation is a consultation as the API shows it.
type Consultation struct {
	ID           int64                 `json:"id"`
	TitleEN      string                `json:"title_en"`
	TitleFR      string                `json:"title_fr"`
	SummaryEN    string                `json:"summary_en"`
	SummaryFR    string                `json:"summary_fr"`
	BodyEN       string                `json:"body_en,omitempty"`
	BodyFR       string                `json:"body_fr,omitempty"`
	Audiences    []consult.Stakeholder `json:"audiences"`
	PartnerEN    string                `json:"partner_en,omitempty"`
	PartnerFR    string                `json:"partner_fr,omitempty"`
	RequireEmail bool                  `json:"require_email"`
	Status       consult.Status        `json:"status"`
	OpensAt      time.Time             `json:"opens_at"`
	ClosesAt     time.Time             `json:"closes_at"`
	// RetentionMonths is how long respondents' identities are kept after
	// closing.
	RetentionMonths int       `json:"retention_months"`
	Sections        []Section `json:"sections,omitempty"`
}

// Section is a questionnaire section.
type Section struct {
	ID        int64      `json:"id"`
	TitleEN   string     `json:"title_en"`
	TitleFR   string     `json:"title_fr"`
	Questions []Question `json:"questions"`
}

// Question is a question as the API shows it.
type Question struct {
	ID             int64                 `json:"id"`
	Kind           consult.Kind          `json:"kind"`
	TextEN         string                `json:"text_en"`
	TextFR         string                `json:"text_fr"`
	Required       bool                  `json:"required"`
	MaxChars       int                   `json:"max_chars,omitempty"`
	Options        []consult.Option      `json:"options,omitempty"`
	AllowOther     bool                  `json:"allow_other,omitempty"`
	Audiences      []consult.Stakeholder `json:"audiences,omitempty"`
	CondQuestionID int64                 `json:"cond_question_id,omitempty"`
	CondValues     []string              `json:"cond_values,omitempty"`
}

func consultationJSON(c consult.Consultation, now time.Time) Consultation {
	return Consultation{ID: c.ID, TitleEN: c.TitleEN, TitleFR: c.TitleFR, SummaryEN: c.SummaryEN, SummaryFR: c.SummaryFR, BodyEN: c.BodyEN, BodyFR: c.BodyFR,
		Audiences: c.Audiences, PartnerEN: c.PartnerEN, PartnerFR: c.PartnerFR, RequireEmail: c.RequireEmail, Status: c.State(now),
		OpensAt: c.OpensAt, ClosesAt: c.ClosesAt, RetentionMonths: c.RetentionMonths}
}

func (s *Server) consultations() *consult.Service {
	return &consult.Service{DB: s.DB, Keys: s.Auth.Keys}
}

func (s *Server) listConsultations(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	list, err := s.consultations().List(r.Context(), actor)
	if err != nil {
		return err
	}
	out := Page[Consultation]{Data: []Consultation{}}
	now := time.Now()
	for _, c := range list {
		out.Data = append(out.Data, consultationJSON(c, now))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// NewConsultation is the body of POST /api/v1/consultations.
type NewConsultation struct {
	TitleEN      string                `json:"title_en"`
	TitleFR      string                `json:"title_fr"`
	SummaryEN    string                `json:"summary_en"`
	SummaryFR    string                `json:"summary_fr"`
	BodyEN       string                `json:"body_en"`
	BodyFR       string                `json:"body_fr"`
	Audiences    []consult.Stakeholder `json:"audiences"`
	PartnerEN    string                `json:"partner_en"`
	PartnerFR    string                `json:"partner_fr"`
	PartnerKey   string                `json:"partner_key"`
	RequireEmail bool                  `json:"require_email"`
	OpensAt      time.Time             `json:"opens_at"`
	ClosesAt     time.Time             `json:"closes_at"`
	// RetentionMonths defaults to consult.DefaultRetentionMonths.
	RetentionMonths int `json:"retention_months,omitempty"`
}

func (s *Server) createConsultation(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	var in NewConsultation
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.consultations().Create(r.Context(), actor, consult.Consultation{TitleEN: in.TitleEN, TitleFR: in.TitleFR, SummaryEN: in.SummaryEN, SummaryFR: in.SummaryFR,
		BodyEN: in.BodyEN, BodyFR: in.BodyFR, Audiences: in.Audiences, PartnerEN: in.PartnerEN, PartnerFR: in.PartnerFR, PartnerKey: in.PartnerKey,
		RequireEmail: in.RequireEmail, OpensAt: in.OpensAt, ClosesAt: in.ClosesAt, RetentionMonths: in.RetentionMonths})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/consultations/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, consultationJSON(c, time.Now()))
	return nil
}

func (s *Server) getConsultation(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	svc := s.consultations()
	c, err := svc.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	qn, err := svc.Questionnaire(r.Context(), actor, id)
	if err != nil {
		return err
	}
	out := consultationJSON(c, time.Now())
	for _, sec := range qn.Sections {
		sj := Section{ID: sec.ID, TitleEN: sec.TitleEN, TitleFR: sec.TitleFR, Questions: []Question{}}
		for _, q := range sec.Questions {
			sj.Questions = append(sj.Questions, Question{ID: q.ID, Kind: q.Kind, TextEN: q.TextEN, TextFR: q.TextFR, Required: q.Required, MaxChars: q.Limit(),
				Options: q.Choices(), AllowOther: q.AllowOther, Audiences: q.Audiences, CondQuestionID: q.CondQuestionID, CondValues: q.CondValues})
		}
		out.Sections = append(out.Sections, sj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// NewResponse is the body of POST /api/v1/consultations/{id}/responses:
// a whole response from an organisation's system.
type NewResponse struct {
	// Name is the person responding for the organisation.
	Name    string                    `json:"name"`
	Email   string                    `json:"email"`
	Answers map[string]consult.Answer `json:"answers"` // by question id
	Consent struct {
		Share   *bool           `json:"share"`
		Publish consult.Publish `json:"publish"`
		Contact *bool           `json:"contact"`
		Lang    string          `json:"lang"`
	} `json:"consent"`
}

var orgStakeholder = map[auth.OrgKind]consult.Stakeholder{
	auth.State: consult.State, auth.International: consult.International, auth.Industry: consult.Industry,
	auth.CivilSociety: consult.CivilSociety, auth.Academia: consult.Academia,
}

// createConsultationResponse submits a response for the token's
// organisation. The receipt is returned, as on the site.
func (s *Server) createConsultationResponse(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	if !actor.Is(auth.Delegate) || actor.OrganisationID == 0 {
		return pallmall.ErrForbidden
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in NewResponse
	if err := decode(r, &in); err != nil {
		return err
	}
	org, err := s.Auth.Organisation(r.Context(), actor.OrganisationID)
	if err != nil {
		return err
	}
	answers := map[int64]consult.Answer{}
	for k, a := range in.Answers {
		qid, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			ve := &pallmall.ValidationError{}
			ve.Add("answers."+k, "consult.error.no_such_question")
			return ve
		}
		answers[qid] = a
	}
	lang := in.Consent.Lang
	if lang != "fr" {
		lang = "en"
	}
	name := in.Name
	if name == "" {
		name = actor.Name
	}
	rc, err := s.consultations().SubmitDirect(r.Context(), actor, id, consult.Direct{
		About:   consult.About{Kind: consult.AsOrganisation, Stakeholder: orgStakeholder[org.Kind], Name: name, OrganisationName: org.NameEN, Country: org.Country, Email: in.Email},
		Answers: answers, Share: in.Consent.Share, Contact: in.Consent.Contact, Publish: in.Consent.Publish, Lang: lang,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rc)
	return nil
}

func (s *Server) exportConsultation(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	// Refuse those who may export nothing before looking at what they
	// asked for, so the refusal is the same whatever they sent.
	if !actor.Is(auth.Secretariat, auth.Analyst, auth.Partner) {
		return pallmall.ErrForbidden
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	format := q.Get("format")
	types := map[string]string{consult.CSV: "text/csv; charset=utf-8", consult.JSON: "application/json; charset=utf-8",
		consult.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	typ, ok := types[format]
	if !ok {
		ve := &pallmall.ValidationError{}
		ve.Add("format", "consult.error.format")
		return ve
	}
	scope := q.Get("scope")
	if scope != "" && scope != "partner" {
		ve := &pallmall.ValidationError{}
		ve.Add("scope", "consult.error.scope")
		return ve
	}
	svc := s.consultations()
	c, err := svc.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	// Check access before the status line, so refusals are JSON errors.
	if !(actor.Is(auth.Secretariat, auth.Analyst) || (actor.Is(auth.Partner) && scope == "partner")) {
		return pallmall.ErrForbidden
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", `attachment; filename="consultation-`+strconv.FormatInt(c.ID, 10)+`.`+format+`"`)
	return svc.Export(r.Context(), actor, c.ID, consult.ExportOptions{Format: format, Partner: scope == "partner"}, w)
}

func (s *Server) consultationSummary(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sum, err := s.consultations().Summary(r.Context(), actor, id)
	if err != nil {
		return err
	}
	if sum.Published == nil {
		sum.Published = []consult.PublishedResponse{}
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}
