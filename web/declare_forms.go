package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
)

// declareFormError turns the domain's refusals into form errors with a
// clear message; it reports false for errors the page table handles.
func declareFormError(form *Form, field string, err error) bool {
	switch {
	case form.AddErrors(err):
	case errors.Is(err, declare.ErrNoSigningAuthority):
		form.Errors[field] = "declare.error.no_signing_authority"
	case errors.Is(err, declare.ErrAlreadyEndorsed):
		form.Errors[field] = "declare.error.already_endorsed"
	case errors.Is(err, declare.ErrAlreadyWithdrawn):
		form.Errors[field] = "declare.error.already_withdrawn"
	default:
		return false
	}
	return true
}

func declareSignedIn(r *http.Request) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	return a, nil
}

// declareEndorser returns the actor if they may endorse for their
// organisation.
func declareEndorser(r *http.Request) (auth.Actor, error) {
	a, err := declareSignedIn(r)
	if err == nil && !declare.MayEndorse(a) {
		err = pallmall.ErrForbidden
	}
	return a, err
}

type declareEndorseFormPage struct {
	Framework declare.Framework
	Version   declare.Version
	Message   string // the exact text signed offline
	HasKey    bool
	Actor     auth.Actor
	PublicURL string
}

func (s *Server) declareEndorseData(r *http.Request) (declareEndorseFormPage, error) {
	svc := s.declareService()
	f, err := svc.Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return declareEndorseFormPage{}, err
	}
	v, err := svc.Version(r.Context(), f.ID, r.FormValue("version"))
	if err != nil {
		return declareEndorseFormPage{}, err
	}
	d := declareEndorseFormPage{Framework: f, Version: v, Message: string(declare.SignedMessage(declare.ActionEndorse, v.Label(), v.DocumentSHA256)), Actor: Actor(r), PublicURL: s.PublicURL}
	if _, err := svc.ActiveKey(r.Context(), s.DB, d.Actor.OrganisationID); err == nil {
		d.HasKey = true
	}
	return d, nil
}

func (s *Server) declareEndorseForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := declareEndorser(r); err != nil {
		return err
	}
	d, err := s.declareEndorseData(r)
	if err != nil {
		return err
	}
	form := &Form{Values: r.URL.Query(), Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "declare-endorse", "declare.endorse.title", form, d)
}

func (s *Server) declareEndorse(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareEndorser(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.declareEndorseData(r)
	if err != nil {
		return err
	}
	method := r.PostForm.Get("method")
	form := NewForm(r, "confirm", "signature")
	in := declare.EndorseInput{FrameworkID: d.Framework.ID, Version: d.Version.Version, Method: method}
	field := "confirm"
	switch method {
	case declare.MethodBrowser:
		if r.PostForm.Get("confirm") != "yes" {
			form.Errors["confirm"] = "declare.error.confirm"
		}
	case declare.MethodSignature:
		field = "signature"
		in.Signature = r.PostForm.Get("signature")
	default:
		return pallmall.ErrInvalid
	}
	if len(form.Errors) == 0 {
		var e declare.Endorsement
		e, err = s.declareService().Endorse(r.Context(), actor, in)
		if err == nil {
			http.Redirect(w, r, "/frameworks/"+e.FrameworkID+"/endorsements/"+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
			return nil
		}
		if !declareFormError(form, field, err) {
			return err
		}
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "declare-endorse", "declare.endorse.title", form, d)
}

type declareWithdrawPage struct {
	Endorsement declare.Endorsement
	Message     string
}

func (s *Server) declareWithdrawData(r *http.Request) (declareWithdrawPage, error) {
	e, err := s.declareEndorsementOf(r)
	if err != nil {
		return declareWithdrawPage{}, err
	}
	v, err := s.declareService().VersionByID(r.Context(), e.VersionID)
	if err != nil {
		return declareWithdrawPage{}, err
	}
	return declareWithdrawPage{Endorsement: e, Message: string(declare.SignedMessage(declare.ActionWithdraw, v.Label(), v.DocumentSHA256))}, nil
}

func (s *Server) declareWithdrawForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := declareSignedIn(r); err != nil {
		return err
	}
	d, err := s.declareWithdrawData(r)
	if err != nil {
		return err
	}
	if !declare.MayWithdraw(Actor(r), d.Endorsement.Organisation.ID) {
		return pallmall.ErrForbidden
	}
	return s.render(w, r, http.StatusOK, "declare-withdraw", "declare.withdraw.title", &Form{Errors: map[string]string{}}, d)
}

func (s *Server) declareWithdraw(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSignedIn(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.declareWithdrawData(r)
	if err != nil {
		return err
	}
	if !declare.MayWithdraw(actor, d.Endorsement.Organisation.ID) {
		return pallmall.ErrForbidden
	}
	form := NewForm(r, "reason", "signature")
	_, err = s.declareService().Withdraw(r.Context(), actor, declare.WithdrawInput{EndorsementID: d.Endorsement.ID, Reason: r.PostForm.Get("reason"), Signature: r.PostForm.Get("signature")})
	if err == nil {
		http.Redirect(w, r, "/frameworks/"+d.Endorsement.FrameworkID+"/endorsements/"+strconv.FormatInt(d.Endorsement.ID, 10), http.StatusSeeOther)
		return nil
	}
	if !declareFormError(form, "reason", err) {
		return err
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "declare-withdraw", "declare.withdraw.title", form, d)
}

type declareSigningKeyPage struct {
	Organisations []auth.Organisation
	Current       map[int64]declare.SigningKey
	Actor         auth.Actor
}

func (s *Server) declareSigningKeyData(r *http.Request, actor auth.Actor) (declareSigningKeyPage, error) {
	d := declareSigningKeyPage{Current: map[int64]declare.SigningKey{}, Actor: actor}
	if actor.Is(auth.Secretariat) {
		orgs, err := s.Auth.Organisations(r.Context(), "", 0, 0)
		if err != nil {
			return d, err
		}
		sortOrgs(orgs, info(r).lang)
		d.Organisations = orgs
	} else if actor.OrganisationID != 0 {
		o, err := s.Auth.Organisation(r.Context(), actor.OrganisationID)
		if err != nil {
			return d, err
		}
		d.Organisations = []auth.Organisation{o}
	}
	for _, o := range d.Organisations {
		if k, err := s.declareService().ActiveKey(r.Context(), s.DB, o.ID); err == nil {
			d.Current[o.ID] = k
		}
	}
	return d, nil
}

func (s *Server) declareSigningKeyForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSignedIn(r)
	if err != nil {
		return err
	}
	if !actor.Is(auth.Secretariat) && !(actor.Is(auth.Delegate) && actor.SigningAuthority) {
		return pallmall.ErrForbidden
	}
	d, err := s.declareSigningKeyData(r, actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "declare-signing-key", "declare.signing_key.title", &Form{Errors: map[string]string{}}, d)
}

func (s *Server) declareSaveSigningKey(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSignedIn(r)
	if err != nil {
		return err
	}
	if !actor.Is(auth.Secretariat) && !(actor.Is(auth.Delegate) && actor.SigningAuthority) {
		return pallmall.ErrForbidden
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.declareSigningKeyData(r, actor)
	if err != nil {
		return err
	}
	form := NewForm(r, "organisation", "public_key")
	orgID, _ := strconv.ParseInt(r.PostForm.Get("organisation"), 10, 64)
	if orgID == 0 {
		orgID = actor.OrganisationID
	}
	_, err = s.declareService().RegisterKey(r.Context(), actor, orgID, r.PostForm.Get("public_key"))
	if err == nil {
		http.Redirect(w, r, "/frameworks/signing-key?saved=1", http.StatusSeeOther)
		return nil
	}
	if errors.Is(err, pallmall.ErrNotFound) {
		form.Errors["organisation"] = "error.choose_one"
	} else if !declareFormError(form, "public_key", err) {
		return err
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "declare-signing-key", "declare.signing_key.title", form, d)
}

type declareReportFormPage struct {
	Framework    declare.Framework
	Version      declare.Version
	Organisation auth.Organisation
	Statuses     []string
	Measures     []declare.Measure
}

func (s *Server) declareReportFormData(r *http.Request, actor auth.Actor) (declareReportFormPage, error) {
	svc := s.declareService()
	f, err := svc.Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return declareReportFormPage{}, err
	}
	v, err := svc.Version(r.Context(), f.ID, r.FormValue("version"))
	if err != nil {
		return declareReportFormPage{}, err
	}
	orgID := actor.OrganisationID
	if actor.Is(auth.Secretariat) {
		orgID, _ = strconv.ParseInt(r.FormValue("org"), 10, 64)
	}
	if orgID == 0 || !actor.ActsFor(orgID) {
		return declareReportFormPage{}, pallmall.ErrForbidden
	}
	o, err := s.Auth.Organisation(r.Context(), orgID)
	if err != nil {
		return declareReportFormPage{}, err
	}
	return declareReportFormPage{Framework: f, Version: v, Organisation: o, Statuses: declare.Statuses, Measures: v.Document.Measures()}, nil
}

func (s *Server) declareReportForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSignedIn(r)
	if err != nil {
		return err
	}
	d, err := s.declareReportFormData(r, actor)
	if err != nil {
		return err
	}
	// Start from the latest published revision, if any.
	form := &Form{Values: map[string][]string{}, Errors: map[string]string{}}
	if hist, err := s.declareService().ReportHistory(r.Context(), d.Version.ID, d.Organisation.ID); err == nil && len(hist) > 0 {
		for _, it := range hist[0].Items {
			form.Values.Set("status."+it.Measure, it.Status)
			form.Values.Set("explanation."+it.Measure, it.Explanation)
			form.Values.Set("evidence."+it.Measure, strings.Join(it.Evidence, "\n"))
		}
	}
	return s.render(w, r, http.StatusOK, "declare-report-form", "declare.report_form.title", form, d)
}

func (s *Server) declarePublishReport(w http.ResponseWriter, r *http.Request) error {
	actor, err := declareSignedIn(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	d, err := s.declareReportFormData(r, actor)
	if err != nil {
		return err
	}
	var order []string
	var items []declare.ReportItem
	for _, m := range d.Measures {
		n := m.Number
		order = append(order, "status."+n, "explanation."+n, "evidence."+n)
		it := declare.ReportItem{Measure: n, Status: r.PostForm.Get("status." + n), Explanation: r.PostForm.Get("explanation." + n)}
		for _, l := range strings.Split(r.PostForm.Get("evidence."+n), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				it.Evidence = append(it.Evidence, l)
			}
		}
		items = append(items, it)
	}
	form := NewForm(r, append([]string{"framework", "items"}, order...)...)
	rep, err := s.declareService().PublishReport(r.Context(), actor, d.Framework.ID, d.Version.Version, d.Organisation.ID, items)
	if err == nil {
		http.Redirect(w, r, "/frameworks/"+d.Framework.ID+"/reports/"+strconv.FormatInt(rep.ID, 10), http.StatusSeeOther)
		return nil
	}
	var v *pallmall.ValidationError
	if errors.As(err, &v) {
		for k, msg := range v.Fields {
			// The domain names fields measure.N.status; the form status.N.
			if rest, ok := strings.CutPrefix(k, "measure."); ok {
				if i := strings.LastIndex(rest, "."); i > 0 {
					k = rest[i+1:] + "." + rest[:i]
				}
			}
			form.Errors[k] = msg
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "declare-report-form", "declare.report_form.title", form, d)
	}
	return err
}
