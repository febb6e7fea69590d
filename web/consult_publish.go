package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

func (s *Server) consultSummary(w http.ResponseWriter, r *http.Request) error {
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	svc := s.consultations()
	build := func() (consult.Summary, error) { return svc.Summary(r.Context(), Actor(r), c.ID) }
	var sum consult.Summary
	if c.Status == consult.Published {
		// The same for every reader: shared, and rebuilt only when it changes.
		sum, err = s.summaries.get(r.Context(), svc, c.ID, build)
	} else {
		sum, err = build()
	}
	if err != nil {
		return err
	}
	lang := info(r).lang
	p := &Page{Lang: lang, cat: s.catalog}
	show := func(c consult.Cell) string {
		if c.Suppressed {
			return p.T("consult.summary.suppressed")
		}
		return strconv.Itoa(c.N)
	}
	type table struct {
		Text    string
		Columns []string
		Rows    [][]string
	}
	var kinds []consult.Stakeholder
	for _, k := range consult.Stakeholders {
		if c := sum.ByStakeholder[k]; c.N > 0 || c.Suppressed {
			kinds = append(kinds, k)
		}
	}
	var tables []table
	for _, q := range sum.Questions {
		if len(q.Options) == 0 {
			continue
		}
		t := table{Text: q.Question.Text(lang), Columns: []string{p.T("consult.analysis.all_short")}}
		for _, k := range kinds {
			t.Columns = append(t.Columns, p.T("consult.stakeholder."+string(k)))
		}
		for _, o := range q.Options {
			row := []string{o.Option.Label(lang), show(o.All)}
			for _, k := range kinds {
				row = append(row, show(o.ByStakeholder[k]))
			}
			t.Rows = append(t.Rows, row)
		}
		if q.Other != nil {
			row := []string{p.T("consult.analysis.other"), show(*q.Other)}
			for _, k := range kinds {
				row = append(row, show(q.OtherBy[k]))
			}
			t.Rows = append(t.Rows, row)
		}
		row := []string{p.T("consult.summary.answered"), show(q.Answered)}
		for _, k := range kinds {
			row = append(row, show(q.AnsweredBy[k]))
		}
		t.Rows = append(t.Rows, row)
		tables = append(tables, t)
	}
	var who [][]string
	for _, k := range kinds {
		who = append(who, []string{p.T("consult.stakeholder." + string(k)), show(sum.ByStakeholder[k])})
	}
	questions := map[int64]string{}
	for _, sec := range sum.Sections {
		for _, q := range sec.Questions {
			questions[q.ID] = q.Text(lang)
		}
	}
	type published struct {
		consult.PublishedResponse
		Lines [][2]string
	}
	from, to, prev, next := summaryPage(r, len(sum.Published))
	var pubs []published
	for _, pr := range sum.Published[from:to] {
		pb := published{PublishedResponse: pr}
		for _, sec := range sum.Sections {
			for _, q := range sec.Questions {
				if a, ok := pr.Answers[q.ID]; ok {
					pb.Lines = append(pb.Lines, [2]string{questions[q.ID], a})
				}
			}
		}
		pubs = append(pubs, pb)
	}
	type campaignLine struct {
		consult.PublishedCampaign
		Question   string
		Signatures string
	}
	var campaigns []campaignLine
	for _, pc := range sum.Campaigns {
		n := p.T("consult.summary.suppressed")
		if !pc.Signatures.Suppressed {
			n = p.T("campaigns.summary.signatures", pc.Signatures.N)
		}
		campaigns = append(campaigns, campaignLine{PublishedCampaign: pc, Question: questions[pc.QuestionID], Signatures: n})
	}
	return s.render(w, r, http.StatusOK, "consult-summary", "consult.summary.title", nil, map[string]any{
		"C": c, "S": sum, "Total": show(sum.Total), "Who": who, "Tables": tables, "Published": pubs, "SmallCell": consult.SmallCell, "Campaigns": campaigns,
		"Sections": sum.Sections, "Closes": bothZones(c.ClosesAt, lang),
		"From": from + 1, "To": to, "Of": len(sum.Published), "Prev": prev, "Next": next,
	})
}

// summaryPageSize is how many published responses one page of the
// summary shows: a consultation with 100,000 would otherwise make a page
// of tens of megabytes.
const summaryPageSize = 100

// summaryPage reads ?page= (from 1) and returns the published responses
// [from, to) it shows and the links to the pages around it.
func summaryPage(r *http.Request, n int) (from, to int, prev, next string) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	pages := max(1, (n+summaryPageSize-1)/summaryPageSize)
	if err != nil || page < 1 {
		page = 1
	}
	page = min(page, pages)
	from, to = (page-1)*summaryPageSize, min(n, page*summaryPageSize)
	if page > 1 {
		prev = "?page=" + strconv.Itoa(page-1)
	}
	if page < pages {
		next = "?page=" + strconv.Itoa(page+1)
	}
	return from, to, prev, next
}

// exportFile names an export download.
func exportFile(c consult.Consultation, kind, ext string) string {
	return fmt.Sprintf("consultation-%d-%s-%s.%s", c.ID, kind, time.Now().UTC().Format("20060102T150405Z"), ext)
}

var exportTypes = map[string]string{
	consult.CSV:  "text/csv; charset=utf-8",
	consult.JSON: "application/json; charset=utf-8",
	consult.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// consultExport streams an export straight to the response, in constant
// memory. Errors after the first byte can only cut the download short.
func (s *Server) consultExport(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := s.analysisTarget(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	typ, ok := exportTypes[format]
	if !ok {
		return pallmall.ErrInvalid
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportFile(c, "responses", format)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return s.consultations().Export(r.Context(), actor, c.ID, consult.ExportOptions{Format: format}, w)
}

// consultPartnerList lists the consultations whose partner package the
// partner role may download.
func (s *Server) consultPartnerList(w http.ResponseWriter, r *http.Request) error {
	actor := Actor(r)
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	if !actor.Is(auth.Partner, auth.Secretariat) {
		return pallmall.ErrForbidden
	}
	list, err := s.consultations().List(r.Context(), actor)
	if err != nil {
		return err
	}
	var out []consult.Consultation
	for _, c := range list {
		if c.Status != consult.Draft && c.PartnerKey != "" {
			out = append(out, c)
		}
	}
	key, err := s.consultations().ManifestVerifierKey(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "consult-partner", "consult.partner.title", nil, map[string]any{"List": out, "Key": key})
}

func (s *Server) consultPartnerPackage(w http.ResponseWriter, r *http.Request) error {
	actor := Actor(r)
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	c, err := s.consultationFor(r)
	if err != nil {
		return err
	}
	// Write to the response only once the package is complete, so a refusal
	// shows as a page rather than a broken download.
	var buf bytes.Buffer
	if err := s.consultations().PartnerExport(r.Context(), actor, c.ID, &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportFile(c, "partner", "zip.age")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

// consultManifestKey publishes the key that verifies partner manifests.
func (s *Server) consultManifestKey(w http.ResponseWriter, r *http.Request) error {
	key, err := s.consultations().ManifestVerifierKey(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = fmt.Fprintln(w, key)
	return err
}
