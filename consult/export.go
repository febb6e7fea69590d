package consult

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
)

// Export formats.
const (
	CSV  = "csv"
	JSON = "json"
	XLSX = "xlsx"
)

// ExportOptions says what to export.
type ExportOptions struct {
	Format string
	// Partner limits identities to respondents who consented to sharing
	// with the partner government, whoever asks.
	Partner bool
	// Progress, when not nil, is called after each response with the
	// number written and the total expected.
	Progress func(done, total int)
}

// exportRow is the fixed part of each row.
var exportHead = []string{"reference", "submitted_at", "respondent_kind", "stakeholder", "country", "name", "organisation", "email",
	"consent_share", "consent_publish", "consent_contact", "consent_at"}

// Export writes one row per submitted response, one column per question
// and a column of codes, streaming: memory does not grow with the number
// of responses (XLSX goes through excelize's stream writer, which spills
// rows to a temporary file). Identities appear only as the actor may see
// them: all for the secretariat, consenting respondents' for the partner
// role or a partner export, none for analysts.
func (s *Service) Export(ctx context.Context, actor auth.Actor, id int64, opt ExportOptions, w io.Writer) error {
	scope := identityFor(actor)
	switch {
	case actor.Is(auth.Secretariat, auth.Analyst):
	case actor.Is(auth.Partner) && opt.Partner:
	default:
		return pallmall.ErrForbidden
	}
	if opt.Partner {
		scope = SharedIdentity
	}
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	if actor.Is(auth.Partner) && !actor.System && c.Status == Draft {
		return pallmall.ErrNotFound
	}
	qn, err := loadQuestionnaire(ctx, s.DB, id)
	if err != nil {
		return err
	}
	codeLabels, codings, err := s.exportCodes(ctx, id)
	if err != nil {
		return err
	}
	cnt, err := counts(ctx, s.DB, id)
	if err != nil {
		return err
	}
	header := append([]string{}, exportHead...)
	questions := qn.Questions()
	for _, q := range questions {
		header = append(header, fmt.Sprintf("q%d %s", q.ID, q.TextEN))
	}
	header = append(header, "codes")
	var out rowWriter
	switch opt.Format {
	case CSV, "":
		out = &csvRows{w: csv.NewWriter(w)}
	case JSON:
		out = &jsonRows{w: w, header: header}
	case XLSX:
		out, err = newXLSXRows(w)
		if err != nil {
			return err
		}
	default:
		var v pallmall.ValidationError
		v.Add("format", "consult.error.format")
		return &v
	}
	if err := out.write(header); err != nil {
		return err
	}
	done := 0
	err = eachSubmitted(ctx, s.DB, s.keys(), id, scope, func(r *Submitted) error {
		row := []string{r.Reference, r.SubmittedAt.Format(time.RFC3339), r.Kind, string(r.Stakeholder), r.Country, r.Name, r.OrganisationName, r.Email,
			strconv.FormatBool(r.Consent.Share), string(r.Consent.Publish), strconv.FormatBool(r.Consent.Contact), r.Consent.At.Format(time.RFC3339)}
		if scope == NoIdentity {
			row[4] = countryIfState(r)
		}
		var codes []string
		for _, q := range questions {
			row = append(row, answerExportText(q, r.Answers[q.ID]))
			for _, byCoder := range codings[answerKey{r.ID, q.ID}] {
				for _, cid := range byCoder {
					if l := codeLabels[cid]; l != "" && !containsString(codes, l) {
						codes = append(codes, l)
					}
				}
			}
		}
		row = append(row, strings.Join(codes, "; "))
		if err := out.write(row); err != nil {
			return err
		}
		done++
		if opt.Progress != nil {
			opt.Progress(done, cnt.Submitted)
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	if err := out.close(); err != nil {
		return err
	}
	return audit.Record(ctx, s.DB, actor.UserID, "consultation.export", "consultation", id, fmt.Sprintf("%s, %d responses, identities: %s", opt.Format, done, scopeName(scope)))
}

func scopeName(s Identity) string {
	switch s {
	case FullIdentity:
		return "all"
	case SharedIdentity:
		return "consenting only"
	}
	return "none"
}

// countryIfState keeps a state's country, which is what the analysis
// shows by country; others' countries could help identify them.
func countryIfState(r *Submitted) string {
	if r.Stakeholder == State {
		return r.Country
	}
	return ""
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// answerExportText writes an answer in one cell, in English: choices by
// label separated by "; ", rankings in order, files by name and digest.
func answerExportText(q Question, a Answer) string {
	switch {
	case a.Empty():
		return ""
	case a.File != nil:
		return a.File.Name + " sha256:" + a.File.SHA256
	case q.Kind == ShortText || q.Kind == LongText:
		return a.Text
	}
	var parts []string
	for _, c := range a.Choices {
		if c == OtherValue {
			parts = append(parts, "Other: "+a.Other)
			continue
		}
		o, _ := q.Option(c)
		parts = append(parts, o.EN)
	}
	return strings.Join(parts, "; ")
}

func (s *Service) exportCodes(ctx context.Context, id int64) (map[int64]string, map[answerKey]map[int64][]int64, error) {
	labels := map[int64]string{}
	rows, err := s.DB.Query(ctx, `SELECT id, label FROM consult_codes WHERE consultation_id = $1`, id)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var cid int64
		var l string
		if err := rows.Scan(&cid, &l); err != nil {
			rows.Close()
			return nil, nil, err
		}
		labels[cid] = l
	}
	rows.Close()
	codings, err := s.codings(ctx, id)
	return labels, codings, err
}

type rowWriter interface {
	write(row []string) error
	close() error
}

type csvRows struct{ w *csv.Writer }

func (c *csvRows) write(row []string) error {
	for i, v := range row {
		row[i] = csvSafe(v)
	}
	return c.w.Write(row)
}

func (c *csvRows) close() error { c.w.Flush(); return c.w.Error() }

// csvSafe stops a spreadsheet reading a typed answer as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

type jsonRows struct {
	w      io.Writer
	header []string
	n      int
}

func (j *jsonRows) write(row []string) error {
	if j.n == 0 {
		j.n++
		_, err := io.WriteString(j.w, "[")
		return err
	}
	obj := make(map[string]string, len(row))
	for i, v := range row {
		obj[j.header[i]] = v
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	sep := "\n"
	if j.n > 1 {
		sep = ",\n"
	}
	j.n++
	_, err = io.WriteString(j.w, sep+string(b))
	return err
}

func (j *jsonRows) close() error {
	if j.n == 0 {
		_, err := io.WriteString(j.w, "[")
		if err != nil {
			return err
		}
	}
	_, err := io.WriteString(j.w, "\n]\n")
	return err
}

type xlsxRows struct {
	w  io.Writer
	f  *excelize.File
	sw *excelize.StreamWriter
	n  int
}

func newXLSXRows(w io.Writer) (*xlsxRows, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		f.Close()
		return nil, err
	}
	return &xlsxRows{w: w, f: f, sw: sw}, nil
}

func (x *xlsxRows) write(row []string) error {
	x.n++
	cell, err := excelize.CoordinatesToCellName(1, x.n)
	if err != nil {
		return err
	}
	vals := make([]any, len(row))
	for i, v := range row {
		vals[i] = v
	}
	return x.sw.SetRow(cell, vals)
}

func (x *xlsxRows) close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.w)
	return err
}
