package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/register"
)

// The proposal and review pages: delegates propose, the secretariat
// decides.

// regRequireProposer returns the actor if they may propose: the public is
// sent to sign in, other roles get 403.
func regRequireProposer(r *http.Request) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	if !a.Is(auth.Delegate, auth.Secretariat) {
		return a, pallmall.ErrForbidden
	}
	return a, nil
}

// regOption is one choice of a reference field's select.
type regOption struct {
	Value, Label string
	Pending      bool // a proposal not yet accepted
}

// regInput is one kind-specific field of the proposal form.
type regInput struct {
	register.Field
	Options []regOption // for references
	Hint    string      // message key, or ""
	Width   string      // GOV.UK input width class suffix, or ""
	Long    bool        // a textarea
}

// regHints gives the hint of fields whose type alone does not explain them.
var regHints = map[string]string{
	"ratings": "register.hint.ratings", "indicators": "register.hint.indicators", "public_basis": "register.hint.public_basis",
	"share": "register.hint.share", "aliases": "register.hint.list", "platforms": "register.hint.list",
}

func regInputOf(f register.Field) regInput {
	in := regInput{Field: f, Hint: regHints[f.Name]}
	switch f.Type {
	case register.Date:
		in.Hint, in.Width = "register.hint.date", "10"
	case register.Country:
		in.Hint, in.Width = "register.hint.country", "2"
	case register.Countries:
		in.Hint, in.Width = "register.hint.countries", "10"
	case register.CVEs:
		in.Hint = "register.hint.cves"
	case register.Percent, register.Number:
		in.Width = "3"
	case register.Text:
		in.Long = f.Name != "disclosed_by" && f.Name != "assessor" && f.Name != "code"
	}
	return in
}

type regFormData struct {
	Op       string
	Kind     register.Kind
	Record   *register.Record
	Proposal *register.Proposal // when revising
	Inputs   []regInput
	Sources  []int // source row numbers, from 1
	Action   string
	Kinds    []register.Kind
	Confs    []register.Confidence
}

// regProposalForm builds the form's data for op on kind (and record, for an
// update or removal).
func (s *Server) regProposalForm(r *http.Request, actor auth.Actor, op string, kind register.Kind, rec *register.Record, nSources int) (regFormData, error) {
	d := regFormData{Op: op, Kind: kind, Record: rec, Kinds: register.Kinds, Confs: register.Confidences, Action: "/register/propose"}
	for i := 1; i <= max(nSources+1, 3) && i <= register.MaxSources; i++ {
		d.Sources = append(d.Sources, i)
	}
	if op == ledger.OpRemove || !kind.Valid() {
		return d, nil
	}
	svc := s.registerSvc()
	var pending []register.Proposal
	for _, st := range []register.Status{register.Pending, register.MoreEvidence} {
		ps, err := svc.Proposals(r.Context(), actor, st)
		if err != nil {
			return d, err
		}
		pending = append(pending, ps...)
	}
	for _, f := range register.Schema(kind) {
		in := regInputOf(f)
		if f.Type == register.Ref {
			for _, k := range f.RefKinds {
				recs, _, err := svc.Search(r.Context(), register.Filter{Kind: k, Limit: 1000})
				if err != nil {
					return d, err
				}
				for _, x := range recs {
					in.Options = append(in.Options, regOption{Value: strconv.FormatInt(x.ID, 10), Label: x.Name})
				}
				for _, p := range pending {
					if p.Op == ledger.OpAdd && p.Draft.Kind == k {
						in.Options = append(in.Options, regOption{Value: "p" + strconv.FormatInt(p.ID, 10), Label: p.Draft.Name, Pending: true})
					}
				}
			}
		}
		d.Inputs = append(d.Inputs, in)
	}
	return d, nil
}

// regDraftForm fills a form from a draft, for editing a record or revising a
// proposal.
func regDraftForm(d register.Draft, note, requestedBy string) *Form {
	v := url.Values{}
	v.Set("name", d.Name)
	v.Set("confidence", string(d.Confidence))
	v.Set("summary_en", d.SummaryEN)
	v.Set("summary_fr", d.SummaryFR)
	for _, f := range register.Schema(d.Kind) {
		if f.Type == register.Choices {
			v[f.Name] = d.ListOf(f.Name)
		} else {
			v.Set(f.Name, d.Fields[f.Name])
		}
	}
	for i, s := range d.Sources {
		p := "source" + strconv.Itoa(i+1) + "_"
		v.Set(p+"ref", s.Ref)
		v.Set(p+"publisher", s.Publisher)
		v.Set(p+"date", s.Date)
		v.Set(p+"supports", s.Supports)
	}
	v.Set("note", note)
	v.Set("requested_by", requestedBy)
	return &Form{Values: v, Errors: map[string]string{}}
}

// regDraftFromForm reads a posted proposal form.
func regDraftFromForm(r *http.Request, kind register.Kind) register.Draft {
	f := r.PostForm
	d := register.Draft{Kind: kind, Name: f.Get("name"), Confidence: register.Confidence(f.Get("confidence")),
		SummaryEN: f.Get("summary_en"), SummaryFR: f.Get("summary_fr"), Fields: map[string]string{}}
	for _, fl := range register.Schema(kind) {
		if fl.Type == register.Choices {
			d.Fields[fl.Name] = strings.Join(f[fl.Name], "; ")
		} else {
			d.Fields[fl.Name] = f.Get(fl.Name)
		}
	}
	for i := 1; i <= register.MaxSources; i++ {
		p := "source" + strconv.Itoa(i) + "_"
		d.Sources = append(d.Sources, register.Source{Ref: f.Get(p + "ref"), Publisher: f.Get(p + "publisher"), Date: f.Get(p + "date"), Supports: f.Get(p + "supports")})
	}
	return d
}

func regFormOrder(kind register.Kind) []string {
	order := []string{"name", "confidence", "summary_en", "summary_fr"}
	for _, f := range register.Schema(kind) {
		order = append(order, f.Name)
	}
	for i := 1; i <= register.MaxSources; i++ {
		p := "source" + strconv.Itoa(i) + "_"
		order = append(order, p+"ref", p+"publisher", p+"date", p+"supports")
	}
	return append(order, "note", "requested_by")
}

// registerProposeForm shows the form: ?kind=K to add, ?record=ID&op=update
// or op=remove to change or remove a record.
func (s *Server) registerProposeForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := regRequireProposer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	op, kind := ledger.OpAdd, register.Kind(q.Get("kind"))
	var rec *register.Record
	form := &Form{Values: url.Values{}, Errors: map[string]string{}}
	if id, _ := strconv.ParseInt(q.Get("record"), 10, 64); id > 0 {
		x, err := s.registerSvc().Record(r.Context(), id)
		if err != nil {
			return err
		}
		if x.Removed {
			return pallmall.ErrConflict
		}
		rec, kind, op = &x, x.Kind, ledger.OpUpdate
		if q.Get("op") == ledger.OpRemove {
			op = ledger.OpRemove
		} else {
			form = regDraftForm(x.Draft, "", "")
		}
	}
	n := 0
	if rec != nil && op == ledger.OpUpdate {
		n = len(rec.Sources) + 1 // room for two new sources
	}
	d, err := s.regProposalForm(r, actor, op, kind, rec, n)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "register-propose", "register_propose.title", form, d)
}

func (s *Server) registerPropose(w http.ResponseWriter, r *http.Request) error {
	actor, err := regRequireProposer(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	op, kind := r.PostForm.Get("op"), register.Kind(r.PostForm.Get("kind"))
	recordID, _ := strconv.ParseInt(r.PostForm.Get("record"), 10, 64)
	var rec *register.Record
	if recordID != 0 {
		x, err := s.registerSvc().Record(r.Context(), recordID)
		if err != nil {
			return err
		}
		rec, kind = &x, x.Kind
	}
	if !kind.Valid() {
		return pallmall.ErrInvalid
	}
	n := register.NewProposal{Op: op, RecordID: recordID, Draft: regDraftFromForm(r, kind), Note: r.PostForm.Get("note"), RequestedBy: r.PostForm.Get("requested_by")}
	p, err := s.registerSvc().Propose(r.Context(), actor, n)
	form := NewForm(r, regFormOrder(kind)...)
	if form.AddErrors(err) {
		d, err := s.regProposalForm(r, actor, op, kind, rec, regCountSources(r))
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "register-propose", "register_propose.title", form, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/register/proposals/"+strconv.FormatInt(p.ID, 10)+"?sent=1", http.StatusSeeOther)
	return nil
}

// regCountSources counts the source rows filled in a posted form.
func regCountSources(r *http.Request) int {
	n := 0
	for i := 1; i <= register.MaxSources; i++ {
		p := "source" + strconv.Itoa(i) + "_"
		if r.PostForm.Get(p+"ref")+r.PostForm.Get(p+"publisher")+r.PostForm.Get(p+"date") != "" {
			n = i
		}
	}
	return n
}

type regProposalsData struct {
	Proposals []register.Proposal
	Status    register.Status
	Statuses  []register.Status
}

func (s *Server) registerProposals(w http.ResponseWriter, r *http.Request) error {
	actor, err := regRequireProposer(r)
	if err != nil {
		return err
	}
	st := register.Status(r.URL.Query().Get("status"))
	if !slices.Contains(register.Statuses, st) {
		st = "" // from the allow-list, or no filter
	}
	ps, err := s.registerSvc().Proposals(r.Context(), actor, st)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "register-proposals", "register_proposals.title", nil, regProposalsData{Proposals: ps, Status: st, Statuses: register.Statuses})
}

// regChange is a field a correction changes, with its lines now and as
// proposed.
type regChange struct {
	Name     string
	Old, New []string
}

// regChanges lists what b changes from a, with choices in words.
func regChanges(a, b register.Draft, choice func(string) string) []regChange {
	words := func(name, v string) []string {
		lines := strings.Split(v, "\n")
		for _, f := range register.Schema(b.Kind) {
			if f.Name == name && (f.Type == register.Choice || f.Type == register.Choices) && v != "" {
				lines = nil
				for _, it := range strings.Split(v, "; ") {
					lines = append(lines, choice(it))
				}
			}
		}
		if name == "confidence" && v != "" {
			lines = []string{choice("confidence." + v)}
		}
		return lines
	}
	var out []regChange
	for _, c := range register.Diff(a, b) {
		out = append(out, regChange{Name: c.Name, Old: words(c.Name, c.Old), New: words(c.Name, c.New)})
	}
	return out
}

type regProposalData struct {
	Proposal  register.Proposal
	Changes   []regChange // for a correction still open, against the record as published
	Fields    []regField
	Record    *register.Record
	MayDecide bool
	MayRevise bool
	Sent      bool
}

func (s *Server) regLoadProposal(r *http.Request, actor auth.Actor, id int64) (regProposalData, error) {
	svc := s.registerSvc()
	p, err := svc.Proposal(r.Context(), actor, id)
	if err != nil {
		return regProposalData{}, err
	}
	d := regProposalData{Proposal: p, MayDecide: actor.Is(auth.Secretariat) && p.Status.Open(),
		MayRevise: p.Status.Open() && (actor.UserID == p.ProposerUserID || p.ProposerOrgID != 0 && actor.ActsFor(p.ProposerOrgID) && !actor.Is(auth.Secretariat)),
		Sent:      r.URL.Query().Get("sent") == "1"}
	ids := regRefIDs(p.Draft)
	if p.RecordID != 0 {
		ids = append(ids, p.RecordID)
	}
	names, err := svc.Records(r.Context(), ids)
	if err != nil {
		return d, err
	}
	if rec, ok := names[p.RecordID]; ok {
		d.Record = &rec
		if p.Op == ledger.OpUpdate && p.Status.Open() {
			lang := info(r).lang
			d.Changes = regChanges(rec.Draft, p.Draft, func(v string) string {
				if strings.HasPrefix(v, "confidence.") {
					return s.catalog.T(lang, "register."+v)
				}
				return s.catalog.T(lang, "register.choice."+v)
			})
		}
	}
	d.Fields = regFields(info(r).lang, p.Draft, names)
	return d, nil
}

func (s *Server) registerProposal(w http.ResponseWriter, r *http.Request) error {
	actor, err := regRequireProposer(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.regLoadProposal(r, actor, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "register-proposal", "register_proposal.title", &Form{Values: url.Values{}, Errors: map[string]string{}}, d)
}

func (s *Server) registerDecide(w http.ResponseWriter, r *http.Request) error {
	actor, err := regRequireProposer(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	_, err = s.registerSvc().Decide(r.Context(), actor, id, register.Decision{
		Status: register.Status(r.PostForm.Get("decision")), ReasonEN: r.PostForm.Get("reason_en"), ReasonFR: r.PostForm.Get("reason_fr")})
	form := NewForm(r, "decision", "reason_en", "reason_fr")
	if form.AddErrors(err) {
		d, err := s.regLoadProposal(r, actor, id)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "register-proposal", "register_proposal.title", form, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/register/proposals/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) registerReviseForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := regRequireProposer(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.registerSvc().Proposal(r.Context(), actor, id)
	if err != nil {
		return err
	}
	if !p.Status.Open() {
		return pallmall.ErrConflict
	}
	d, err := s.regProposalForm(r, actor, p.Op, p.Draft.Kind, nil, len(p.Draft.Sources))
	if err != nil {
		return err
	}
	d.Proposal, d.Action = &p, "/register/proposals/"+strconv.FormatInt(id, 10)+"/revise"
	return s.render(w, r, http.StatusOK, "register-propose", "register_revise.title", regDraftForm(p.Draft, p.Note, p.RequestedBy), d)
}

func (s *Server) registerRevise(w http.ResponseWriter, r *http.Request) error {
	actor, err := regRequireProposer(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	svc := s.registerSvc()
	p, err := svc.Proposal(r.Context(), actor, id)
	if err != nil {
		return err
	}
	n := register.NewProposal{Draft: regDraftFromForm(r, p.Draft.Kind), Note: r.PostForm.Get("note"), RequestedBy: r.PostForm.Get("requested_by")}
	_, err = svc.Revise(r.Context(), actor, id, n)
	form := NewForm(r, regFormOrder(p.Draft.Kind)...)
	if form.AddErrors(err) {
		d, err := s.regProposalForm(r, actor, p.Op, p.Draft.Kind, nil, regCountSources(r))
		if err != nil {
			return err
		}
		d.Proposal, d.Action = &p, "/register/proposals/"+strconv.FormatInt(id, 10)+"/revise"
		return s.render(w, r, http.StatusUnprocessableEntity, "register-propose", "register_revise.title", form, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/register/proposals/"+strconv.FormatInt(id, 10)+"?sent=1", http.StatusSeeOther)
	return nil
}
