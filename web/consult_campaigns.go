package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// Campaign pages (issue 8): suggested campaigns with their variants and
// decisions, the detection run's progress, suspicious patterns and theme
// suggestions. Secretariat and analysts only; the consult package checks
// access again on every call.

func campaignsURL(id int64, rest string) string {
	return "/admin/consultations/" + strconv.FormatInt(id, 10) + "/analysis/" + rest
}

// exactTime shows a time to the second, in both zones, for evidence.
func exactTime(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	l, p := t.In(london), t.In(paris)
	if lang == "fr" {
		return fmt.Sprintf("%s (%s à Londres)", p.Format("2/01/2006 15:04:05 MST"), l.Format("15:04:05 MST"))
	}
	return fmt.Sprintf("%s (%s in Paris)", l.Format("2 January 2006, 15:04:05 MST"), p.Format("15:04:05 MST"))
}

type campaignView struct {
	consult.Campaign
	Question     string
	First, Last  string
	BurstStart   string
	Stakeholders []string
	Variants     []variantView
}

type variantView struct {
	Count int
	Edits []editView
}

type editView struct {
	Op   string // same, ins, del
	Text string
}

func (s *Server) consultCampaigns(w http.ResponseWriter, r *http.Request) error {
	return s.consultCampaignsPage(w, r, http.StatusOK, nil)
}

func (s *Server) consultCampaignsPage(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	svc := s.consultations()
	cs, err := svc.Campaigns(ctx, actor, c.ID, 0)
	if err != nil {
		return err
	}
	run, err := svc.LatestCampaignRun(ctx, actor, c.ID)
	hasRun := err == nil
	if err != nil && !errors.Is(err, pallmall.ErrNotFound) {
		return err
	}
	qn, err := svc.Questionnaire(ctx, actor, c.ID)
	if err != nil {
		return err
	}
	lang := info(r).lang
	p := &Page{Lang: lang, cat: s.catalog}
	var views []campaignView
	for _, cp := range cs {
		v := campaignView{Campaign: cp, First: bothZones(cp.First, lang), Last: bothZones(cp.Last, lang), BurstStart: exactTime(cp.BurstStart, lang)}
		if q, ok := qn.Question(cp.QuestionID); ok {
			v.Question = q.Text(lang)
		}
		for _, k := range consult.Stakeholders {
			if n := cp.Stakeholders[k]; n > 0 {
				v.Stakeholders = append(v.Stakeholders, fmt.Sprintf("%s: %d", p.T("consult.stakeholder."+string(k)), n))
			}
		}
		for _, va := range cp.Variants {
			vv := variantView{Count: va.Count}
			for _, e := range va.Diff {
				op := "same"
				switch e.Op {
				case '+':
					op = "ins"
				case '-':
					op = "del"
				}
				vv.Edits = append(vv.Edits, editView{Op: op, Text: e.Text})
			}
			v.Variants = append(v.Variants, vv)
		}
		views = append(views, v)
	}
	// The thresholds' fields show what was typed when the form is shown
	// again with an error, else the consultation's saved thresholds.
	if form == nil {
		form = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	if form.Values.Get("min_size") == "" && form.Values.Get("burst_min") == "" {
		settings, err := svc.CampaignSettings(ctx, actor, c.ID)
		if err != nil {
			return err
		}
		form.Values.Set("min_size", strconv.Itoa(settings.MinSize))
		form.Values.Set("burst_min", strconv.Itoa(settings.BurstMin))
	}
	return s.render(w, r, status, "consult-campaigns", "campaigns.title", form, map[string]any{
		"C": c, "Campaigns": views, "Run": run, "HasRun": hasRun, "RunStarted": bothZones(run.StartedAt, lang),
	})
}

func (s *Server) consultCampaignRunStart(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	// The thresholds are checked and kept for the consultation's next
	// runs, then this run uses them. A bad one shows the page again with
	// what was typed.
	form := NewForm(r, "min_size", "burst_min")
	settings := consult.CampaignSettings{MinSize: formInt(r.PostForm.Get("min_size")), BurstMin: formInt(r.PostForm.Get("burst_min"))}
	svc := s.consultations()
	if err := svc.SaveCampaignSettings(r.Context(), actor, c.ID, settings); form.AddErrors(err) {
		return s.consultCampaignsPage(w, r, http.StatusUnprocessableEntity, form)
	} else if err != nil {
		return err
	}
	opts := settings.Options()
	run, err := svc.StartCampaignRun(r.Context(), actor, c.ID, opts)
	if errors.Is(err, pallmall.ErrConflict) {
		latest, lerr := svc.LatestCampaignRun(r.Context(), actor, c.ID)
		if lerr != nil {
			return err
		}
		http.Redirect(w, r, campaignsURL(c.ID, "campaigns/runs/"+strconv.FormatInt(latest.ID, 10)), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	logger := s.Logger
	ctx := context.WithoutCancel(r.Context())
	go func() {
		if err := svc.RunCampaigns(ctx, actor, run, opts); err != nil {
			logger.LogAttrs(ctx, slog.LevelError, "campaign detection run failed", slog.Int64("run", run.ID), slog.String("error", err.Error()))
		}
	}()
	http.Redirect(w, r, campaignsURL(c.ID, "campaigns/runs/"+strconv.FormatInt(run.ID, 10)), http.StatusSeeOther)
	return nil
}

func (s *Server) consultCampaignRun(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	id, err := pathInt(r, "run")
	if err != nil {
		return err
	}
	run, err := s.consultations().CampaignRunByID(r.Context(), actor, c.ID, id)
	if err != nil {
		return err
	}
	if run.State == "running" {
		// Browsers reload the page by themselves, without JavaScript; the
		// page also has a link to do it by hand.
		w.Header().Set("Refresh", "2")
	}
	return s.render(w, r, http.StatusOK, "consult-campaign-run", "campaigns.run.title", nil, map[string]any{"C": c, "Run": run})
}

// decisionForm turns a decision's validation error into a form whose
// field is the reason box of that item.
func decisionForm(r *http.Request, err error, id int64) (*Form, bool) {
	form := NewForm(r, "reason")
	if !form.AddErrors(err) {
		return nil, false
	}
	name := fmt.Sprintf("reason-%d", id)
	form.Errors = map[string]string{name: form.Errors["reason"]}
	form.Order = []string{name}
	form.Values.Set(name, r.PostForm.Get("reason"))
	return form, true
}

type flagView struct {
	consult.Flag
	Start, End string
	Question   string
	More       int
}

func (s *Server) consultFlags(w http.ResponseWriter, r *http.Request) error {
	return s.consultFlagsPage(w, r, http.StatusOK, nil)
}

// maxRefsShown bounds the response references listed per flag.
const maxRefsShown = 50

func (s *Server) consultFlagsPage(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	flags, err := s.consultations().Flags(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	qn, err := s.consultations().Questionnaire(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	lang := info(r).lang
	var views []flagView
	for _, f := range flags {
		v := flagView{Flag: f, Start: exactTime(f.Evidence.Start, lang), End: exactTime(f.Evidence.End, lang)}
		if q, ok := qn.Question(f.Evidence.QuestionID); ok {
			v.Question = q.Text(lang)
		}
		if len(v.References) > maxRefsShown {
			v.More = len(v.References) - maxRefsShown
			v.References = v.References[:maxRefsShown]
		}
		views = append(views, v)
	}
	return s.render(w, r, status, "consult-campaign-flags", "campaigns.flags.title", form, map[string]any{"C": c, "Flags": views})
}

type themeView struct {
	consult.ThemeSuggestion
	Question     string
	Terms        string
	Stakeholders []string
}

func (s *Server) consultThemes(w http.ResponseWriter, r *http.Request) error {
	return s.consultThemesPage(w, r, http.StatusOK, nil)
}

func (s *Server) consultThemesPage(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	themes, err := s.consultations().Themes(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	qn, err := s.consultations().Questionnaire(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	lang := info(r).lang
	p := &Page{Lang: lang, cat: s.catalog}
	var views []themeView
	for _, t := range themes {
		v := themeView{ThemeSuggestion: t, Terms: strings.Join(t.Terms, ", ")}
		if q, ok := qn.Question(t.QuestionID); ok {
			v.Question = q.Text(lang)
		}
		for _, k := range consult.Stakeholders {
			if n := t.Stakeholders[k]; n > 0 {
				v.Stakeholders = append(v.Stakeholders, fmt.Sprintf("%s: %d", p.T("consult.stakeholder."+string(k)), n))
			}
		}
		views = append(views, v)
	}
	return s.render(w, r, status, "consult-campaign-themes", "campaigns.themes.title", form, map[string]any{"C": c, "Themes": views})
}

func (s *Server) consultThemeAccept(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	id, err := pathInt(r, "tid")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	_, err = s.consultations().AcceptTheme(r.Context(), actor, c.ID, id, r.PostForm.Get("label"))
	form := NewForm(r, "label")
	if form.AddErrors(err) {
		name := fmt.Sprintf("label-%d", id)
		form.Errors = map[string]string{name: form.Errors["label"]}
		form.Order = []string{name}
		form.Values.Set(name, r.PostForm.Get("label"))
		return s.consultThemesPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, campaignsURL(c.ID, "coding"), http.StatusSeeOther)
	return nil
}

// analystDecision is the shape of an analyst's decision on a suggestion
// (a campaign, named by the path value idName, or a flag): parse the form,
// ask the service with the decision and its reason, then either redisplay
// the list with the reason box of that item in error or go back to the
// item on its list (the page what of campaignsURL, at #anchor-ID).
func (s *Server) analystDecision(w http.ResponseWriter, r *http.Request, idName, what, anchor string,
	decide func(ctx context.Context, actor auth.Actor, consultationID, id int64, decision, reason string) error,
	redisplay func(w http.ResponseWriter, r *http.Request, status int, form *Form) error) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	id, err := pathInt(r, idName)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	err = decide(r.Context(), actor, c.ID, id, r.PostForm.Get("decision"), r.PostForm.Get("reason"))
	if form, ok := decisionForm(r, err, id); ok {
		return redisplay(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, campaignsURL(c.ID, what)+fmt.Sprintf("#%s-%d", anchor, id), http.StatusSeeOther)
	return nil
}

func (s *Server) consultCampaignDecide(w http.ResponseWriter, r *http.Request) error {
	return s.analystDecision(w, r, "cid", "campaigns", "campaign", s.consultations().DecideCampaign, s.consultCampaignsPage)
}

func (s *Server) consultFlagDecide(w http.ResponseWriter, r *http.Request) error {
	return s.analystDecision(w, r, "fid", "flags", "flag", s.consultations().DecideFlag, s.consultFlagsPage)
}

// formInt reads a whole number typed in a form, spaces and thousands
// separators (commas and spaces) allowed; anything else is 0, which the
// caller's validation refuses.
func formInt(v string) int {
	v = strings.NewReplacer(",", "", " ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(v))
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}
