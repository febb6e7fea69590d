package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/deliberate"
)

// deliberations returns the deliberations service over the site's database.
func (s *Server) deliberations() *deliberate.Service { return &deliberate.Service{DB: s.DB} }

// A participant's token travels in a cookie per deliberation. It is the
// only thing that ties their votes together; nothing else about them is
// kept.
func delibCookie(id int64) string { return "__Host-pallmall_delib_" + strconv.FormatInt(id, 10) }

func setDelibCookie(w http.ResponseWriter, id int64, token string) {
	http.SetCookie(w, &http.Cookie{Name: delibCookie(id), Value: token, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func delibPath(id int64, rest string) string {
	return "/deliberations/" + strconv.FormatInt(id, 10) + rest
}

// deliberationFor loads the deliberation named in the path.
func (s *Server) deliberationFor(r *http.Request) (deliberate.Deliberation, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return deliberate.Deliberation{}, pallmall.ErrNotFound
	}
	return s.deliberations().Get(r.Context(), Actor(r), id)
}

// participant returns the request's participant in d and their token, or
// ErrNotFound when they have not joined.
func (s *Server) participant(r *http.Request, d deliberate.Deliberation) (deliberate.Participant, string, error) {
	c, err := r.Cookie(delibCookie(d.ID))
	if err != nil {
		return deliberate.Participant{}, "", pallmall.ErrNotFound
	}
	p, err := s.deliberations().ByToken(r.Context(), d.ID, c.Value)
	return p, c.Value, err
}

func (s *Server) delibList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.deliberations().List(r.Context(), Actor(r))
	if err != nil {
		return err
	}
	var public []deliberate.Deliberation
	for _, d := range list {
		if d.Status != deliberate.Draft {
			public = append(public, d)
		}
	}
	return s.render(w, r, http.StatusOK, "deliberate-list", "deliberate.list.title", nil, public)
}

// delibShowData is what the voting page shows.
type delibShowData struct {
	D               deliberate.Deliberation
	Description     []string
	Joined          bool
	NeedStakeholder bool
	Stakeholders    []auth.OrgKind
	Progress        deliberate.Progress
	Current         *deliberate.Statement
	CurrentVote     string // the participant's vote on Current, if any
	Voted           []votedItem
	MinVotes        int
	Flash           string
	Consultation    string
}

type votedItem struct {
	S    deliberate.Statement
	Vote string
}

func (s *Server) delibShow(w http.ResponseWriter, r *http.Request) error {
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	flash := ""
	switch r.URL.Query().Get("done") {
	case "vote":
		flash = "deliberate.flash.voted"
	case "statement":
		flash = "deliberate.flash.submitted"
	case "statement_pending":
		flash = "deliberate.flash.submitted_pending"
	case "forgotten":
		flash = "deliberate.flash.forgotten"
	}
	focus, _ := strconv.ParseInt(r.URL.Query().Get("statement"), 10, 64)
	return s.renderDelibShow(w, r, http.StatusOK, d, nil, focus, flash)
}

func (s *Server) renderDelibShow(w http.ResponseWriter, r *http.Request, status int, d deliberate.Deliberation, form *Form, focus int64, flash string) error {
	ctx := r.Context()
	lang := info(r).lang
	sts, err := s.deliberations().Statements(ctx, Actor(r), d.ID, deliberate.Accepted)
	if err != nil {
		return err
	}
	data := delibShowData{D: d, Description: delibParagraphs(d.Description(lang)), Stakeholders: auth.OrgKinds,
		MinVotes: min(7, len(sts)), Flash: flash}
	p, token, err := s.participant(r, d)
	switch {
	case err == nil:
		data.Joined = true
		data.NeedStakeholder = d.RequireStakeholder && p.Stakeholder == ""
		if data.Progress, err = s.deliberations().Progress(ctx, d.ID, token); err != nil {
			return err
		}
	case errors.Is(err, pallmall.ErrNotFound):
		data.NeedStakeholder = d.RequireStakeholder
		data.Progress = deliberate.Progress{Statements: len(sts), Votes: map[int64]deliberate.Value{}}
		if len(sts) > 0 {
			data.Progress.Next = sts[0].ID
		}
	default:
		return err
	}
	// The statement shown: the one asked for (by a "change" link or the
	// form being redisplayed) if it is open for votes, else the next.
	current := data.Progress.Next
	want := focus
	if form != nil {
		if id, err := strconv.ParseInt(form.Get("statement"), 10, 64); err == nil {
			want = id
		}
	}
	for _, st := range sts {
		if want != 0 && st.ID == want {
			current = want
		}
	}
	for i := range sts {
		if sts[i].ID == current {
			data.Current = &sts[i]
			if v, ok := data.Progress.Votes[current]; ok {
				data.CurrentVote = v.String()
			}
		}
		if v, ok := data.Progress.Votes[sts[i].ID]; ok {
			data.Voted = append(data.Voted, votedItem{sts[i], v.String()})
		}
	}
	if d.ConsultationID != 0 {
		if c, err := (&consult.Service{DB: s.DB}).Get(ctx, Actor(r), d.ConsultationID); err == nil {
			data.Consultation = c.Title(lang)
		}
	}
	if form == nil {
		form = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	return s.render(w, r, status, "deliberate-show", "deliberate.show.title", form, data)
}

// joinIfNeeded returns the request's participant token, creating a
// participant (and its cookie) on a first vote or statement.
func (s *Server) joinIfNeeded(w http.ResponseWriter, r *http.Request, d deliberate.Deliberation, stakeholder auth.OrgKind) (string, error) {
	if _, token, err := s.participant(r, d); err == nil {
		return token, nil
	} else if !errors.Is(err, pallmall.ErrNotFound) {
		return "", err
	}
	_, token, err := s.deliberations().Join(r.Context(), d.ID, stakeholder)
	if err != nil {
		return "", err
	}
	setDelibCookie(w, d.ID, token)
	return token, nil
}

func (s *Server) delibJoin(w http.ResponseWriter, r *http.Request) error {
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "stakeholder")
	k := auth.OrgKind(r.PostForm.Get("stakeholder"))
	if !d.Accepting() {
		return pallmall.ErrConflict
	}
	_, token, err := s.participant(r, d)
	switch {
	case err == nil:
		err = s.deliberations().SetStakeholder(r.Context(), d.ID, token, k)
	case errors.Is(err, pallmall.ErrNotFound):
		_, err = s.joinIfNeeded(w, r, d, k)
	}
	if form.AddErrors(err) {
		return s.renderDelibShow(w, r, http.StatusUnprocessableEntity, d, form, 0, "")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, delibPath(d.ID, ""), http.StatusSeeOther)
	return nil
}

func (s *Server) delibVote(w http.ResponseWriter, r *http.Request) error {
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "stakeholder", "statement", "vote")
	if !d.Accepting() {
		return pallmall.ErrConflict
	}
	err = func() error {
		v, ok := deliberate.ParseValue(r.PostForm.Get("vote"))
		if !ok {
			ve := &pallmall.ValidationError{}
			ve.Add("vote", "deliberate.error.vote_value")
			return ve
		}
		stID, err := strconv.ParseInt(r.PostForm.Get("statement"), 10, 64)
		if err != nil {
			ve := &pallmall.ValidationError{}
			ve.Add("statement", "deliberate.error.unknown_statement")
			return ve
		}
		token, err := s.joinIfNeeded(w, r, d, auth.OrgKind(r.PostForm.Get("stakeholder")))
		if err != nil {
			return err
		}
		return s.deliberations().Vote(r.Context(), d.ID, token, stID, v)
	}()
	if form.AddErrors(err) {
		return s.renderDelibShow(w, r, http.StatusUnprocessableEntity, d, form, 0, "")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, delibPath(d.ID, "?done=vote"), http.StatusSeeOther)
	return nil
}

func (s *Server) delibSubmit(w http.ResponseWriter, r *http.Request) error {
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "stakeholder", "text")
	if !d.Accepting() {
		return pallmall.ErrConflict
	}
	var st deliberate.Statement
	err = func() error {
		token, err := s.joinIfNeeded(w, r, d, auth.OrgKind(r.PostForm.Get("stakeholder")))
		if err != nil {
			return err
		}
		st, err = s.deliberations().Submit(r.Context(), d.ID, token, info(r).lang, r.PostForm.Get("text"))
		return err
	}()
	if errors.Is(err, pallmall.ErrRateLimited) {
		form.Errors["text"] = "deliberate.error.rate_limited"
		return s.renderDelibShow(w, r, http.StatusTooManyRequests, d, form, 0, "")
	}
	if form.AddErrors(err) {
		return s.renderDelibShow(w, r, http.StatusUnprocessableEntity, d, form, 0, "")
	}
	if err != nil {
		return err
	}
	done := "statement"
	if st.Status == deliberate.Pending {
		done = "statement_pending"
	}
	http.Redirect(w, r, delibPath(d.ID, "?done="+done), http.StatusSeeOther)
	return nil
}

// delibExport loads what the report and the exports show.
func (s *Server) delibExport(r *http.Request, d deliberate.Deliberation) (deliberate.Analysis, deliberate.Export, []deliberate.Statement, error) {
	a, err := s.deliberations().Latest(r.Context(), Actor(r), d.ID)
	if err != nil {
		return a, deliberate.Export{}, nil, err
	}
	sts, err := s.deliberations().Statements(r.Context(), Actor(r), d.ID, deliberate.Accepted)
	if err != nil {
		return a, deliberate.Export{}, nil, err
	}
	return a, deliberate.NewExport(d, a, sts), sts, nil
}

func (s *Server) delibExportJSON(w http.ResponseWriter, r *http.Request) error {
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	_, e, _, err := s.delibExport(r, d)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="deliberation-`+strconv.FormatInt(d.ID, 10)+`-analysis.json"`)
	_, err = w.Write(append(b, '\n'))
	return err
}

func (s *Server) delibExportCSV(w http.ResponseWriter, r *http.Request) error {
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	_, e, _, err := s.delibExport(r, d)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="deliberation-`+strconv.FormatInt(d.ID, 10)+`-analysis.csv"`)
	return deliberate.WriteCSV(w, e)
}

// delibParagraphs splits a description into paragraphs at blank lines.
func delibParagraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) delibForget(w http.ResponseWriter, r *http.Request) error {
	d, err := s.deliberationFor(r)
	if err != nil {
		return err
	}
	_, token, err := s.participant(r, d)
	if err == nil {
		err = s.deliberations().Forget(r.Context(), d.ID, token)
	}
	if err != nil && !errors.Is(err, pallmall.ErrNotFound) {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: delibCookie(d.ID), Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, delibPath(d.ID, "?done=forgotten"), http.StatusSeeOther)
	return nil
}
