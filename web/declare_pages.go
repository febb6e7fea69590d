package web

import (
	"net/http"
	"strings"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
)

// declareService returns the frameworks and endorsements service.
func (s *Server) declareService() *declare.Service { return &declare.Service{DB: s.DB} }

type declareFrameworkSummary struct {
	Framework  declare.Framework
	Latest     declare.Version
	HasLatest  bool
	Endorsers  int
	CanEndorse bool
}

func (s *Server) declareFrameworks(w http.ResponseWriter, r *http.Request) error {
	svc := s.declareService()
	fws, err := svc.Frameworks(r.Context())
	if err != nil {
		return err
	}
	var out []declareFrameworkSummary
	for _, f := range fws {
		sum := declareFrameworkSummary{Framework: f}
		sum.Latest, sum.HasLatest = f.Latest()
		ends, err := svc.Endorsements(r.Context(), declare.Filter{FrameworkID: f.ID})
		if err != nil {
			return err
		}
		sum.Endorsers = len(ends)
		out = append(out, sum)
	}
	return s.render(w, r, http.StatusOK, "declare-frameworks", "declare.frameworks.title", nil, out)
}

type declareFrameworkPage struct {
	Framework declare.Framework
	Version   declare.Version
	Roles     []string
	// Own is the viewer's organisation's active endorsement of this
	// version, if any.
	Own        *declare.Endorsement
	CanEndorse bool // a delegate with signing authority, not yet endorsed
	CanUpload  bool // a delegate (or the secretariat) may upload a signature
	CanReport  bool
}

func (s *Server) declareFramework(w http.ResponseWriter, r *http.Request) error {
	svc := s.declareService()
	f, err := svc.Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := svc.Version(r.Context(), f.ID, r.URL.Query().Get("version"))
	if err != nil {
		return err
	}
	d := declareFrameworkPage{Framework: f, Version: v, Roles: declare.MeasureRoles}
	actor := Actor(r)
	if actor.Is(auth.Delegate) && actor.OrganisationID != 0 {
		ends, err := svc.Endorsements(r.Context(), declare.Filter{FrameworkID: f.ID, Version: v.Version})
		if err != nil {
			return err
		}
		for i := range ends {
			if ends[i].Organisation.ID == actor.OrganisationID {
				d.Own = &ends[i]
			}
		}
		d.CanEndorse = d.Own == nil && actor.SigningAuthority
		d.CanUpload = d.Own == nil
		d.CanReport = d.Own != nil
	}
	return s.render(w, r, http.StatusOK, "declare-framework", "declare.framework.title", nil, d)
}

type declareSignatoriesPage struct {
	Framework declare.Framework
	Filter    declare.Filter
	Groups    []declareSignatoryGroup
	Kinds     []auth.OrgKind
	Methods   []string
	Total     int
	Query     string // the filter as a query string, for download links
}

type declareSignatoryGroup struct {
	Kind         auth.OrgKind
	Endorsements []declare.Endorsement
}

// declareSignatoryFilter reads the signatory register's filters from the query string.
func declareSignatoryFilter(r *http.Request, frameworkID string) declare.Filter {
	q := r.URL.Query()
	f := declare.Filter{FrameworkID: frameworkID, Version: q.Get("version"), Name: strings.TrimSpace(q.Get("name")), IncludeWithdrawn: q.Get("withdrawn") == "yes"}
	if k := auth.OrgKind(q.Get("kind")); k.Valid() {
		f.Kind = k
	}
	switch m := q.Get("method"); m {
	case declare.MethodBrowser, declare.MethodSignature, declare.MethodPaper:
		f.Method = m
	}
	if len(f.Name) > 200 {
		f.Name = f.Name[:200]
	}
	return f
}

func (s *Server) declareSignatories(w http.ResponseWriter, r *http.Request) error {
	svc := s.declareService()
	fw, err := svc.Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := declareSignatoryFilter(r, fw.ID)
	list, err := svc.Endorsements(r.Context(), f)
	if err != nil {
		return err
	}
	d := declareSignatoriesPage{Framework: fw, Filter: f, Kinds: auth.OrgKinds, Methods: []string{declare.MethodBrowser, declare.MethodSignature, declare.MethodPaper}, Total: len(list), Query: r.URL.Query().Encode()}
	for _, k := range auth.OrgKinds {
		g := declareSignatoryGroup{Kind: k}
		for _, e := range list {
			if e.Organisation.Kind == k {
				g.Endorsements = append(g.Endorsements, e)
			}
		}
		if len(g.Endorsements) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	return s.render(w, r, http.StatusOK, "declare-signatories", "declare.signatories.title", nil, d)
}

type declareEndorsementPage struct {
	Endorsement declare.Endorsement
	Version     declare.Version
	Entry       string
	Withdrawal  string
	PublicURL   string
	Published   bool // the entry is covered by the published checkpoint
	CanWithdraw bool
	// SignedMessage is what the organisation's key signed, for checking
	// the signature independently.
	SignedMessage string
}

// declareEndorsementOf loads the endorsement in the path and checks it belongs to
// the framework in the path.
func (s *Server) declareEndorsementOf(r *http.Request) (declare.Endorsement, error) {
	id, err := pathID(r, "eid")
	if err != nil {
		return declare.Endorsement{}, err
	}
	e, err := s.declareService().Endorsement(r.Context(), id)
	if err != nil {
		return e, err
	}
	if e.FrameworkID != r.PathValue("id") {
		return e, errNotFound
	}
	return e, nil
}

func (s *Server) declareEndorsement(w http.ResponseWriter, r *http.Request) error {
	e, err := s.declareEndorsementOf(r)
	if err != nil {
		return err
	}
	v, err := s.declareService().VersionByID(r.Context(), e.VersionID)
	if err != nil {
		return err
	}
	d := declareEndorsementPage{Endorsement: e, Version: v, PublicURL: s.PublicURL}
	if e.Method == declare.MethodSignature {
		d.SignedMessage = string(declare.SignedMessage(declare.ActionEndorse, v.Label(), v.DocumentSHA256))
	}
	if b, err := s.declareOutboxEntry(r, e.Log.OutboxID); err == nil {
		d.Entry = b
	}
	if e.Withdrawn {
		if b, err := s.declareOutboxEntry(r, e.WithdrawalLog.OutboxID); err == nil {
			d.Withdrawal = b
		}
	}
	d.Published = s.declarePublished(r, e.Log)
	actor := Actor(r)
	d.CanWithdraw = !e.Withdrawn && (actor.Is(auth.Secretariat) || (actor.Is(auth.Delegate) && actor.OrganisationID == e.Organisation.ID))
	return s.render(w, r, http.StatusOK, "declare-endorsement", "declare.endorsement.title", nil, d)
}

type declareMatrixPage struct {
	Framework declare.Framework
	Matrix    declare.Matrix
	Statuses  []string
	Counts    map[string]int
}

func (s *Server) declareMatrix(w http.ResponseWriter, r *http.Request) error {
	svc := s.declareService()
	fw, err := svc.Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	m, err := svc.Matrix(r.Context(), fw.ID, r.URL.Query().Get("version"))
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, row := range m.Rows {
		for _, st := range row.Statuses {
			counts[st]++
		}
	}
	return s.render(w, r, http.StatusOK, "declare-matrix", "declare.matrix.title", nil, declareMatrixPage{Framework: fw, Matrix: m, Statuses: declare.Statuses, Counts: counts})
}

type declareReportPage struct {
	Report   declare.Report
	Version  declare.Version
	History  []declare.Report
	Entry    string
	Measures []declare.Measure
}

func (s *Server) declareReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	svc := s.declareService()
	rep, err := svc.Report(r.Context(), id)
	if err != nil {
		return err
	}
	if rep.FrameworkID != r.PathValue("id") {
		return errNotFound
	}
	v, err := svc.VersionByID(r.Context(), rep.VersionID)
	if err != nil {
		return err
	}
	hist, err := svc.ReportHistory(r.Context(), rep.VersionID, rep.Organisation.ID)
	if err != nil {
		return err
	}
	d := declareReportPage{Report: rep, Version: v, History: hist, Measures: v.Document.Measures()}
	if b, err := s.declareOutboxEntry(r, rep.Log.OutboxID); err == nil {
		d.Entry = b
	}
	return s.render(w, r, http.StatusOK, "declare-report", "declare.report.title", nil, d)
}
