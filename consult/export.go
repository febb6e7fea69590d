package consult

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

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
	var redactions map[answerKey][]Redaction
	if scope != FullIdentity {
		if redactions, err = loadRedactions(ctx, s.DB, id); err != nil {
			return err
		}
	}
	header := append([]string{}, exportHead...)
	questions := qn.Questions()
	column := make(map[int64]int, len(questions)) // question id → its cell in a row
	for i, q := range questions {
		header = append(header, fmt.Sprintf("q%d %s", q.ID, q.TextEN))
		column[q.ID] = len(exportHead) + i
	}
	header = append(header, "codes")
	bw := bufio.NewWriterSize(w, 64<<10)
	var out rowWriter
	switch opt.Format {
	case CSV, "":
		out = &csvRows{w: csv.NewWriter(bw), bw: bw}
	case JSON:
		out = newJSONRows(bw, header)
	case XLSX:
		out, err = newXLSXRows(bw, len(header))
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
	keys := s.keys()
	row := make([]string, len(header))
	var answers answerParser
	var codes []string
	done := 0
	err = eachExportRow(ctx, s.DB, id, func(rid int64, f *[exportFields]string) error {
		var err error
		share := f[fShare] == "t"
		row[0], row[2], row[3], row[9] = f[fReference], f[fKind], f[fStakeholder], f[fPublish]
		row[8], row[10] = strconv.FormatBool(share), strconv.FormatBool(f[fContact] == "t")
		if row[1], err = exportTime(f[fSubmittedAt]); err != nil {
			return err
		}
		if row[11], err = exportTime(f[fConsentAt]); err != nil {
			return err
		}
		row[4], row[5], row[6], row[7] = f[fCountry], "", "", ""
		switch {
		case scope == NoIdentity:
			// A state's country is what the analysis shows by country;
			// others' countries could help identify them.
			if Stakeholder(f[fStakeholder]) != State {
				row[4] = ""
			}
		case scope == FullIdentity || share:
			row[5], row[6], row[7] = f[fName], f[fOrganisation], f[fEmail]
			if err := openIdentity(keys, &row[5], &row[6], &row[7]); err != nil {
				return err
			}
		}
		for i := range questions {
			row[len(exportHead)+i] = ""
		}
		list, err := answers.parse(f[fAnswers])
		if err != nil {
			return fmt.Errorf("export response %d: %w", rid, err)
		}
		for _, qa := range list {
			c, ok := column[qa.question]
			if !ok {
				continue // a question deleted since
			}
			a := qa.Answer
			if len(redactions) > 0 {
				if rs := redactions[answerKey{rid, qa.question}]; len(rs) > 0 {
					a = redact(a, rs)
				}
			}
			row[c] = answerExportText(questions[c-len(exportHead)], a)
		}
		codes = codes[:0]
		if len(codings) > 0 {
			for _, q := range questions {
				for _, byCoder := range codings[answerKey{rid, q.ID}] {
					for _, cid := range byCoder {
						if l := codeLabels[cid]; l != "" && !containsString(codes, l) {
							codes = append(codes, l)
						}
					}
				}
			}
		}
		row[len(row)-1] = strings.Join(codes, "; ")
		if err := out.write(row); err != nil {
			return err
		}
		done++
		if opt.Progress != nil {
			opt.Progress(done, cnt.Submitted)
		}
		if done%1024 == 0 {
			return ctx.Err()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := out.close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
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
	case len(a.Choices) == 1 && a.Choices[0] != OtherValue:
		o, _ := q.Option(a.Choices[0])
		return o.EN
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
