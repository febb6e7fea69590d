package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// requireAnalysis returns the actor if it may read responses.
func requireAnalysis(r *http.Request) (auth.Actor, error) {
	return requirePermission(r, auth.ReadResponses)
}

// analysisTarget returns who asks, refused unless they may analyse
// responses, and the consultation in the path, which the consult package
// checks against them again on every call.
func (s *Server) analysisTarget(r *http.Request) (auth.Actor, consult.Consultation, error) {
	actor, err := requireAnalysis(r)
	if err != nil {
		return auth.Actor{}, consult.Consultation{}, err
	}
	c, err := s.consultationFor(r)
	return actor, c, err
}

type questionAnalysis struct {
	Q          consult.Question
	Text       string
	Chart      *barChart
	Likert     bool
	Ranking    bool
	Columns    []string
	Rows       [][]string
	Shown      int
	Answered   int
	Completion string
}

func (s *Server) consultAnalysis(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	d, err := s.consultations().Analyse(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	p := &Page{Lang: info(r).lang, cat: s.catalog}
	count := func(n int) string { return strconv.Itoa(n) }
	maxOf := func(bs []consult.Bucket) int {
		m := 0
		for _, b := range bs {
			m = max(m, b.N)
		}
		return m
	}
	var labels []string
	var values []int
	for _, b := range d.ByDay {
		labels, values = append(labels, b.Key), append(values, b.N)
	}
	timeChart := newBarChart("chart-time", p.T("consult.analysis.by_day"), labels, [][]int{values}, maxOf(d.ByDay), count)
	labels, values = nil, nil
	for _, b := range d.ByStakeholder {
		labels, values = append(labels, p.T("consult.stakeholder."+b.Key)), append(values, b.N)
	}
	kindChart := newBarChart("chart-kind", p.T("consult.analysis.by_stakeholder"), labels, [][]int{values}, maxOf(d.ByStakeholder), count)
	labels, values = nil, nil
	for _, b := range d.ByCountry {
		labels, values = append(labels, b.Key), append(values, b.N)
	}
	countryChart := newBarChart("chart-country", p.T("consult.analysis.by_country"), labels, [][]int{values}, maxOf(d.ByCountry), count)

	var qs []questionAnalysis
	for i, st := range d.Questions {
		qa := questionAnalysis{Q: st.Q, Text: st.Q.Text(p.Lang), Shown: st.Shown, Answered: st.Answered, Completion: percent(st.Answered, st.Shown),
			Likert: st.Q.Kind == consult.Likert, Ranking: st.Q.Kind == consult.Ranking}
		if st.Q.Kind.HasOptions() || st.Q.Kind == consult.YesNo {
			var kinds []consult.Stakeholder
			for _, k := range consult.Stakeholders {
				if st.AnsweredBy[k] > 0 {
					kinds = append(kinds, k)
				}
			}
			qa.Columns = append(qa.Columns, p.T("consult.analysis.all", st.Answered))
			for _, k := range kinds {
				qa.Columns = append(qa.Columns, fmt.Sprintf("%s (%d)", p.T("consult.stakeholder."+string(k)), st.AnsweredBy[k]))
			}
			var optLabels []string
			var optCounts []int
			for _, o := range st.Options {
				row := []string{o.Label(p.Lang), fmt.Sprintf("%d (%s)", o.N, percent(o.N, st.Answered))}
				for _, k := range kinds {
					row = append(row, fmt.Sprintf("%d (%s)", o.ByStakeholder[k], percent(o.ByStakeholder[k], st.AnsweredBy[k])))
				}
				if qa.Ranking {
					mean := "–"
					if st.Answered > 0 {
						mean = strconv.FormatFloat(float64(o.RankSum)/float64(st.Answered), 'f', 1, 64)
					}
					row = append(row, mean)
				}
				qa.Rows = append(qa.Rows, row)
				optLabels, optCounts = append(optLabels, o.Label(p.Lang)), append(optCounts, o.N)
			}
			if st.Q.AllowOther {
				row := []string{p.T("consult.analysis.other"), fmt.Sprintf("%d (%s)", st.Other, percent(st.Other, st.Answered))}
				for _, k := range kinds {
					row = append(row, fmt.Sprintf("%d (%s)", st.OtherByStakeholder[k], percent(st.OtherByStakeholder[k], st.AnsweredBy[k])))
				}
				qa.Rows = append(qa.Rows, row)
				optLabels, optCounts = append(optLabels, p.T("consult.analysis.other")), append(optCounts, st.Other)
			}
			id := fmt.Sprintf("chart-q%d", st.Q.ID)
			if qa.Likert {
				rowLabels := []string{p.T("consult.analysis.all", st.Answered)}
				counts := [][]int{optCounts}
				bases := []int{st.Answered}
				for _, k := range kinds {
					var cs []int
					for _, o := range st.Options {
						cs = append(cs, o.ByStakeholder[k])
					}
					rowLabels = append(rowLabels, fmt.Sprintf("%s (%d)", p.T("consult.stakeholder."+string(k)), st.AnsweredBy[k]))
					counts, bases = append(counts, cs), append(bases, st.AnsweredBy[k])
				}
				ch := likertChart(id, qa.Text, rowLabels, counts, bases)
				qa.Chart = &ch
			} else {
				base := st.Answered
				ch := newBarChart(id, qa.Text, optLabels, [][]int{optCounts}, base, func(n int) string { return fmt.Sprintf("%d (%s)", n, percent(n, base)) })
				qa.Chart = &ch
			}
		}
		_ = i
		qs = append(qs, qa)
	}
	return s.render(w, r, http.StatusOK, "consult-analysis", "consult.analysis.title", nil, map[string]any{
		"C": c, "D": d, "Time": timeChart, "Kinds": kindChart, "Countries": countryChart, "Questions": qs,
		"Secretariat": actor.Is(auth.Secretariat),
	})
}

func (s *Server) consultTexts(w http.ResponseWriter, r *http.Request) error {
	return s.consultTextsPage(w, r, http.StatusOK, &Form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) consultTextsPage(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	svc := s.consultations()
	q := r.URL.Query()
	f := consult.TextFilter{Stakeholder: consult.Stakeholder(q.Get("stakeholder")), Search: q.Get("q"), Limit: 101}
	f.QuestionID, _ = strconv.ParseInt(q.Get("question"), 10, 64)
	f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	if !f.Stakeholder.Valid() {
		f.Stakeholder = ""
	}
	texts, err := svc.Texts(r.Context(), actor, c.ID, f)
	if err != nil {
		return err
	}
	next := ""
	if len(texts) > 100 {
		texts = texts[:100]
		nq := r.URL.Query()
		nq.Set("after", strconv.FormatInt(texts[len(texts)-1].ResponseID-1, 10))
		next = nq.Encode()
	}
	qn, err := svc.Questionnaire(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	codes, err := svc.Codes(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	questions := map[int64]string{}
	var textQuestions []consult.Question
	for _, qu := range qn.Questions() {
		questions[qu.ID] = qu.Text(info(r).lang)
		if qu.Kind == consult.ShortText || qu.Kind == consult.LongText || qu.AllowOther {
			textQuestions = append(textQuestions, qu)
		}
	}
	type item struct {
		consult.TextAnswer
		Question string
		Mine     map[int64]bool
		Others   int
		Tagged   [][2]string // passage, code label
	}
	labels := map[int64]string{}
	for _, c := range codes {
		labels[c.ID] = c.Label
	}
	var items []item
	for _, t := range texts {
		it := item{TextAnswer: t, Question: questions[t.QuestionID], Mine: map[int64]bool{}}
		for _, p := range t.Passages {
			if p.CoderID == actor.UserID {
				it.Tagged = append(it.Tagged, [2]string{p.Passage, labels[p.CodeID]})
			}
		}
		for _, id := range t.Codes[actor.UserID] {
			it.Mine[id] = true
		}
		for coder := range t.Codes {
			if coder != actor.UserID {
				it.Others++
			}
		}
		items = append(items, it)
	}
	filter := &Form{Values: q, Errors: form.Errors}
	if len(form.Errors) > 0 {
		filter.Order = form.Order
	}
	return s.render(w, r, status, "consult-texts", "consult.texts.title", filter, map[string]any{
		"C": c, "Items": items, "Codes": codes, "Questions": textQuestions, "Stakeholders": consult.Stakeholders, "Next": next,
		"Return": r.URL.RequestURI(),
	})
}

// backTo returns a local path to go back to after a form on the texts
// page, refusing anything that is not a path on this site.
func backTo(r *http.Request, fallback string) string {
	ret := r.PostForm.Get("return")
	if u, err := url.Parse(ret); err == nil && ret != "" && u.Scheme == "" && u.Host == "" && len(ret) > 1 && ret[0] == '/' && ret[1] != '/' {
		return ret
	}
	return fallback
}

func (s *Server) consultSetCodes(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	respID, _ := strconv.ParseInt(r.PostForm.Get("response"), 10, 64)
	qID, _ := strconv.ParseInt(r.PostForm.Get("question"), 10, 64)
	var ids []int64
	for _, v := range r.PostForm["code"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return pallmall.ErrInvalid
		}
		ids = append(ids, id)
	}
	if err := s.consultations().SetCodes(r.Context(), actor, c.ID, respID, qID, ids); err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"/analysis/texts")+fmt.Sprintf("#a%d-%d", respID, qID), http.StatusSeeOther)
	return nil
}

func (s *Server) consultRedact(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	respID, _ := strconv.ParseInt(r.PostForm.Get("response"), 10, 64)
	qID, _ := strconv.ParseInt(r.PostForm.Get("question"), 10, 64)
	err = s.consultations().Redact(r.Context(), actor, c.ID, respID, qID, r.PostForm.Get("passage"), r.PostForm.Get("reason"))
	form := NewForm(r, "passage", "reason")
	if form.AddErrors(err) {
		// Name the answer's own fields so the summary links to them.
		errs := map[string]string{}
		var order []string
		for k, v := range form.Errors {
			name := fmt.Sprintf("%s-%d-%d", k, respID, qID)
			errs[name] = v
			order = append(order, name)
		}
		form.Errors, form.Order = errs, order
		return s.consultTextsPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"/analysis/texts")+fmt.Sprintf("#a%d-%d", respID, qID), http.StatusSeeOther)
	return nil
}

func (s *Server) consultCoding(w http.ResponseWriter, r *http.Request) error {
	return s.consultCodingPage(w, r, http.StatusOK, &Form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) consultCodingPage(w http.ResponseWriter, r *http.Request, status int, form *Form) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	rep, err := s.consultations().Coding(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, ag := range rep.Agreements {
		for _, id := range []int64{ag.CoderA, ag.CoderB} {
			if u, err := s.Auth.User(r.Context(), id); err == nil {
				names[id] = u.Name
			}
		}
	}
	kappa := func(k float64) string { return strconv.FormatFloat(k, 'f', 2, 64) }
	type agreementRow struct {
		A, B   string
		Units  int
		Pooled string
		ByCode []string
	}
	var ags []agreementRow
	for _, ag := range rep.Agreements {
		row := agreementRow{A: names[ag.CoderA], B: names[ag.CoderB], Units: ag.Units, Pooled: kappa(ag.Pooled)}
		for _, code := range rep.Codes {
			row.ByCode = append(row.ByCode, kappa(ag.ByCode[code.ID]))
		}
		ags = append(ags, row)
	}
	type themeRow struct {
		Label string
		N     int
		Cells []int
	}
	var themes []themeRow
	for _, th := range rep.Themes {
		row := themeRow{Label: th.Code.Label, N: th.N}
		for _, k := range consult.Stakeholders {
			row.Cells = append(row.Cells, th.ByStakeholder[k])
		}
		themes = append(themes, row)
	}
	return s.render(w, r, status, "consult-coding", "consult.coding.title", form, map[string]any{
		"C": c, "Codes": rep.Codes, "Themes": themes, "Agreements": ags, "Stakeholders": consult.Stakeholders,
	})
}

func (s *Server) consultAddCode(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	_, err = s.consultations().AddCode(r.Context(), actor, c.ID, r.PostForm.Get("label"), r.PostForm.Get("description"))
	form := NewForm(r, "label", "description")
	if form.AddErrors(err) {
		return s.consultCodingPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"/analysis/coding", http.StatusSeeOther)
	return nil
}

func (s *Server) consultCodePassage(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	respID, _ := strconv.ParseInt(r.PostForm.Get("response"), 10, 64)
	qID, _ := strconv.ParseInt(r.PostForm.Get("question"), 10, 64)
	codeID, _ := strconv.ParseInt(r.PostForm.Get("code"), 10, 64)
	err = s.consultations().CodePassage(r.Context(), actor, c.ID, respID, qID, codeID, r.PostForm.Get("passage"))
	form := NewForm(r, "passage")
	if form.AddErrors(err) {
		name := fmt.Sprintf("tag-%d-%d", respID, qID)
		form.Errors = map[string]string{name: form.Errors["passage"]}
		form.Order = []string{name}
		return s.consultTextsPage(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "/admin/consultations/"+strconv.FormatInt(c.ID, 10)+"/analysis/texts")+fmt.Sprintf("#a%d-%d", respID, qID), http.StatusSeeOther)
	return nil
}
