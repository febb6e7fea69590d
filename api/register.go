package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/register"
)

// The market oversight register's API: published records are public;
// proposals need a delegate's or the secretariat's token.

// RegisterRecord is a published register record as the API shows it.
type RegisterRecord struct {
	ID           int64             `json:"id"`
	Kind         register.Kind     `json:"kind"`
	Name         string            `json:"name"`
	Confidence   string            `json:"confidence"`
	SummaryEN    string            `json:"summary_en,omitempty"`
	SummaryFR    string            `json:"summary_fr,omitempty"`
	Fields       map[string]string `json:"fields"`
	Sources      []register.Source `json:"sources"`
	Version      int               `json:"version"`
	RecordSHA256 string            `json:"record_sha256"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// RegisterEntity is an entity with the records linked to it.
type RegisterEntity struct {
	RegisterRecord
	Linked  []RegisterRecord  `json:"linked"`
	History []RegisterVersion `json:"history"`
}

// RegisterVersion is one published version and its log entry.
type RegisterVersion struct {
	Version      int       `json:"version"`
	Op           string    `json:"op"`
	RecordSHA256 string    `json:"record_sha256,omitempty"`
	At           time.Time `json:"at"`
	LogIndex     *uint64   `json:"log_index"`
}

// RegisterProposal is a proposal as the API shows it.
type RegisterProposal struct {
	ID          int64             `json:"id"`
	Op          string            `json:"op"`
	RecordID    int64             `json:"record_id,omitempty"`
	Kind        register.Kind     `json:"kind"`
	Name        string            `json:"name"`
	Confidence  string            `json:"confidence"`
	Fields      map[string]string `json:"fields"`
	Sources     []register.Source `json:"sources"`
	Status      register.Status   `json:"status"`
	RequestedBy string            `json:"requested_by,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

// NewRegisterProposal is the body of POST /api/v1/register/proposals.
type NewRegisterProposal struct {
	Op          string            `json:"op"`
	RecordID    int64             `json:"record_id"`
	Kind        register.Kind     `json:"kind"`
	Name        string            `json:"name"`
	Confidence  string            `json:"confidence"`
	SummaryEN   string            `json:"summary_en"`
	SummaryFR   string            `json:"summary_fr"`
	Fields      map[string]string `json:"fields"`
	Sources     []register.Source `json:"sources"`
	Note        string            `json:"note"`
	RequestedBy string            `json:"requested_by"`
}

func registerJSON(r register.Record) RegisterRecord {
	src := r.Sources
	if src == nil {
		src = []register.Source{}
	}
	return RegisterRecord{ID: r.ID, Kind: r.Kind, Name: r.Name, Confidence: string(r.Confidence), SummaryEN: r.SummaryEN, SummaryFR: r.SummaryFR,
		Fields: r.Fields, Sources: src, Version: r.Version, RecordSHA256: r.SHA256, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (s *Server) registerList(w http.ResponseWriter, r *http.Request, kind register.Kind, category string) error {
	limit, err := parseLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	after, err := parseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := register.Filter{Kind: kind, Query: q.Get("q"), Country: strings.ToUpper(q.Get("country")), Category: q.Get(category),
		Vector: q.Get("vector"), Confidence: register.Confidence(q.Get("confidence")), ByID: true, After: after, Limit: limit}
	// Choice filters come from their allow-lists: anything else is refused.
	if f.Vector != "" && !slices.Contains(register.Vectors, f.Vector) {
		return &pallmall.ValidationError{Fields: map[string]string{"vector": "error.choose_one"}}
	}
	if f.Confidence != "" && !f.Confidence.Valid() {
		return &pallmall.ValidationError{Fields: map[string]string{"confidence": "error.choose_one"}}
	}
	if v := q.Get("year"); v != "" {
		if f.Year, err = strconv.Atoi(v); err != nil {
			return &pallmall.ValidationError{Fields: map[string]string{"year": "register.error.date"}}
		}
	}
	svc := &register.Service{DB: s.DB}
	recs, more, err := svc.Search(r.Context(), f)
	if err != nil {
		return err
	}
	page := Page[RegisterRecord]{Data: []RegisterRecord{}}
	for _, rec := range recs {
		page.Data = append(page.Data, registerJSON(rec))
	}
	if more && len(recs) > 0 {
		page.NextCursor = cursor(recs[len(recs)-1].ID)
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) listRegisterEntities(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	return s.registerList(w, r, register.Entity, "entity_kind")
}

func (s *Server) listRegisterIncidents(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	return s.registerList(w, r, register.Incident, "target_group")
}

func (s *Server) getRegisterEntity(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	svc := &register.Service{DB: s.DB}
	rec, err := svc.Record(r.Context(), id)
	if err != nil {
		return err
	}
	if rec.Kind != register.Entity || rec.Removed {
		return pallmall.ErrNotFound
	}
	out := RegisterEntity{RegisterRecord: registerJSON(rec), Linked: []RegisterRecord{}, History: []RegisterVersion{}}
	linked, _, err := svc.Search(r.Context(), register.Filter{Linked: id, Limit: 1000})
	if err != nil {
		return err
	}
	for _, l := range linked {
		out.Linked = append(out.Linked, registerJSON(l))
	}
	hist, err := svc.History(r.Context(), id)
	if err != nil {
		return err
	}
	for _, v := range hist {
		rv := RegisterVersion{Version: v.Version, Op: v.Op, RecordSHA256: v.SHA256, At: v.At}
		if v.Logged {
			idx := v.LogIndex
			rv.LogIndex = &idx
		}
		out.History = append(out.History, rv)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createRegisterProposal(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	var in NewRegisterProposal
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Op == "" {
		in.Op = "add"
	}
	svc := &register.Service{DB: s.DB}
	p, err := svc.Propose(r.Context(), actor, register.NewProposal{Op: in.Op, RecordID: in.RecordID, Note: in.Note, RequestedBy: in.RequestedBy,
		Draft: register.Draft{Kind: in.Kind, Name: in.Name, Confidence: register.Confidence(in.Confidence), SummaryEN: in.SummaryEN, SummaryFR: in.SummaryFR,
			Fields: in.Fields, Sources: in.Sources}})
	if err != nil {
		return err
	}
	src := p.Draft.Sources
	if src == nil {
		src = []register.Source{}
	}
	w.Header().Set("Location", "/register/proposals/"+strconv.FormatInt(p.ID, 10))
	writeJSON(w, http.StatusCreated, RegisterProposal{ID: p.ID, Op: p.Op, RecordID: p.RecordID, Kind: p.Draft.Kind, Name: p.Draft.Name,
		Confidence: string(p.Draft.Confidence), Fields: p.Draft.Fields, Sources: src, Status: p.Status, RequestedBy: p.RequestedBy, CreatedAt: p.CreatedAt})
	return nil
}
