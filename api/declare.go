package api

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
)

func (s *Server) declareService() *declare.Service { return &declare.Service{DB: s.DB} }

// LogRef says where a record's entry is in the transparency log.
type LogRef struct {
	EntryID string  `json:"entry_id"`
	Index   *uint64 `json:"index"` // null while pending
}

func logRef(r declare.LogRef) LogRef {
	out := LogRef{EntryID: r.EntryID()}
	if r.Logged {
		i := r.Index
		out.Index = &i
	}
	return out
}

// FrameworkVersion is a published version. Document is the canonical JSON
// whose SHA-256 is DocumentSHA256 (what offline endorsements sign).
type FrameworkVersion struct {
	Version        string          `json:"version"`
	Label          string          `json:"label"`
	DocumentSHA256 string          `json:"document_sha256"`
	PublishedAt    time.Time       `json:"published_at"`
	Log            LogRef          `json:"log"`
	Document       json.RawMessage `json:"document,omitempty"`
}

// Framework is a framework with its versions, newest first.
type Framework struct {
	ID       string             `json:"id"`
	Title    declare.Text       `json:"title"`
	Summary  declare.Text       `json:"summary"`
	Versions []FrameworkVersion `json:"versions"`
}

func frameworkJSON(f declare.Framework, withDocuments bool) Framework {
	out := Framework{ID: f.ID, Title: f.Title, Summary: f.Summary, Versions: []FrameworkVersion{}}
	for _, v := range f.Versions {
		fv := FrameworkVersion{Version: v.Version, Label: v.Label(), DocumentSHA256: v.DocumentSHA256, PublishedAt: v.PublishedAt, Log: logRef(v.Log)}
		if withDocuments {
			fv.Document = json.RawMessage(v.Raw)
		}
		out.Versions = append(out.Versions, fv)
	}
	return out
}

func (s *Server) listFrameworks(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	fws, err := s.declareService().Frameworks(r.Context())
	if err != nil {
		return err
	}
	out := []Framework{}
	for _, f := range fws {
		out = append(out, frameworkJSON(f, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

func (s *Server) getFramework(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	f, err := s.declareService().Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, frameworkJSON(f, true))
	return nil
}

// Endorsement is one entry of the signatory register.
type Endorsement struct {
	ID               int64           `json:"id"`
	Framework        string          `json:"framework"`
	Version          string          `json:"version"`
	Organisation     Organisation    `json:"organisation"`
	Method           string          `json:"method"`
	Signature        string          `json:"signature,omitempty"`
	PublicKey        string          `json:"public_key,omitempty"`
	PaperReference   string          `json:"paper_reference,omitempty"`
	Document         json.RawMessage `json:"document"`
	DocumentSHA256   string          `json:"document_sha256"`
	EndorsedAt       time.Time       `json:"endorsed_at"`
	Log              LogRef          `json:"log"`
	Withdrawn        bool            `json:"withdrawn"`
	WithdrawnAt      *time.Time      `json:"withdrawn_at,omitempty"`
	WithdrawalReason string          `json:"withdrawal_reason,omitempty"`
	WithdrawalLog    *LogRef         `json:"withdrawal_log,omitempty"`
}

func endorsementJSON(e declare.Endorsement) Endorsement {
	out := Endorsement{ID: e.ID, Framework: e.FrameworkID, Version: e.Version, Organisation: orgJSON(e.Organisation), Method: e.Method,
		Signature: e.Signature, PublicKey: e.PublicKey, PaperReference: e.PaperReference, Document: json.RawMessage(e.Document),
		DocumentSHA256: e.DocumentSHA256, EndorsedAt: e.EndorsedAt, Log: logRef(e.Log), Withdrawn: e.Withdrawn, WithdrawalReason: e.WithdrawalReason}
	if e.Withdrawn {
		at, ref := e.WithdrawnAt, logRef(e.WithdrawalLog)
		out.WithdrawnAt, out.WithdrawalLog = &at, &ref
	}
	return out
}

func (s *Server) listEndorsements(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	limit, err := parseLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	after, err := parseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	svc := s.declareService()
	fw, err := svc.Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := declare.Filter{FrameworkID: fw.ID, Version: q.Get("version"), IncludeWithdrawn: q.Get("include_withdrawn") == "true"}
	if k := q.Get("kind"); k != "" {
		if !auth.OrgKind(k).Valid() {
			ve := &pallmall.ValidationError{}
			ve.Add("kind", "error.choose_one")
			return ve
		}
		f.Kind = auth.OrgKind(k)
	}
	list, err := svc.Endorsements(r.Context(), f)
	if err != nil {
		return err
	}
	slices.SortFunc(list, func(a, b declare.Endorsement) int { return cmp.Compare(a.ID, b.ID) })
	page := Page[Endorsement]{Data: []Endorsement{}}
	for _, e := range list {
		if e.ID <= after {
			continue
		}
		if len(page.Data) == limit {
			page.NextCursor = cursor(page.Data[len(page.Data)-1].ID)
			break
		}
		page.Data = append(page.Data, endorsementJSON(e))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// NewEndorsement is the body of POST /api/v1/frameworks/{id}/endorsements.
type NewEndorsement struct {
	// Version defaults to the newest.
	Version string `json:"version"`
	// Method is "browser" (the token's delegate, with signing authority,
	// endorses for their organisation) or "signature" (an offline signature
	// by the organisation's registered key).
	Method string `json:"method"`
	// OrganisationID defaults to the token's organisation.
	OrganisationID int64  `json:"organisation_id"`
	Signature      string `json:"signature"`
}

func (s *Server) createEndorsement(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	if !declare.MayEndorse(actor) {
		return pallmall.ErrForbidden
	}
	var in NewEndorsement
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Method != declare.MethodBrowser && in.Method != declare.MethodSignature {
		ve := &pallmall.ValidationError{}
		ve.Add("method", "error.choose_one")
		return ve
	}
	e, err := s.declareService().Endorse(r.Context(), actor, declare.EndorseInput{FrameworkID: r.PathValue("id"), Version: in.Version,
		OrganisationID: in.OrganisationID, Method: in.Method, Signature: in.Signature})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, endorsementJSON(e))
	return nil
}

// Report is the latest published revision of a state's implementation
// report.
type Report struct {
	ID             int64                `json:"id"`
	Framework      string               `json:"framework"`
	Version        string               `json:"version"`
	Organisation   Organisation         `json:"organisation"`
	Revision       int                  `json:"revision"`
	Items          []declare.ReportItem `json:"items"`
	DocumentSHA256 string               `json:"document_sha256"`
	PublishedAt    time.Time            `json:"published_at"`
	Log            LogRef               `json:"log"`
}

func (s *Server) listReports(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	reports, err := s.declareService().Reports(r.Context(), r.PathValue("id"), r.URL.Query().Get("version"))
	if err != nil {
		return err
	}
	out := []Report{}
	for _, rep := range reports {
		items := rep.Items
		if items == nil {
			items = []declare.ReportItem{}
		}
		out = append(out, Report{ID: rep.ID, Framework: rep.FrameworkID, Version: rep.Version, Organisation: orgJSON(rep.Organisation), Revision: rep.Revision,
			Items: items, DocumentSHA256: rep.DocumentSHA256, PublishedAt: rep.PublishedAt, Log: logRef(rep.Log)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}
