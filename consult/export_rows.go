package consult

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pallmall/pallmall/store"
)

// The export reads each submitted response as one row of two columns: its
// id and its fixed fields joined by the unit separator (U+001F), ending
// with the answers copied to consult_responses.answers on submit. On
// SQLite every column costs the driver a fixed overhead per row that
// dwarfs the work of the query itself (14 columns: 3.6 s of CPU a million
// rows; the same fields joined in SQL: 1.4 s), and reading the answers
// from the response row instead of joining consult_answers halves the
// rest. Times come formatted for the export (see exportTime). None of the
// fields can hold the separator: identities are sealed (base64), the rest
// are codes, and JSON escapes control characters.
const (
	exportSep    = "\x1f"
	exportFields = 13 // reference … answers, as in exportSQL
)

// Field positions in the joined text.
const (
	fReference = iota
	fKind
	fStakeholder
	fCountry
	fName
	fOrganisation
	fEmail
	fShare
	fPublish
	fContact
	fConsentAt
	fSubmittedAt
	fAnswers
)

func exportSQL(d store.Dialect) string {
	// SQLite holds times as the driver wrote them (time.Time.String);
	// those in UTC, as the store writes them, are rearranged here, in C,
	// rather than parsed and formatted in Go.
	sep, when := "char(31)", func(col string) string {
		return "CASE WHEN " + col + " LIKE '____-__-__ __:__:__% +0000 UTC' THEN substr(" + col + ", 1, 10) || 'T' || substr(" + col + ", 12, 8) || 'Z' ELSE COALESCE(" + col + ", '') END"
	}
	// A response written without Submit (bulk loads, tools) may lack the
	// copy of its answers: those are gathered from consult_answers, as the
	// migration's backfill does, in the same query and snapshot.
	gathered := `(SELECT json_group_object(CAST(a.question_id AS TEXT), json(a.value)) FROM consult_answers a WHERE a.response_id = r.id)`
	if d == store.Postgres {
		sep = "chr(31)"
		when = func(col string) string {
			return "COALESCE(to_char(" + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '')`
		}
		gathered = `(SELECT json_object_agg(a.question_id::text, a.value::json)::text FROM consult_answers a WHERE a.response_id = r.id)`
	}
	fields := []string{"r.reference", "r.respondent_kind", "r.stakeholder", "r.country", "r.name", "r.organisation_name", "r.email",
		"CASE WHEN r.consent_share THEN 't' ELSE 'f' END", "r.consent_publish", "CASE WHEN r.consent_contact THEN 't' ELSE 'f' END",
		when("r.consent_at"), when("r.submitted_at"), "CASE WHEN r.answers <> '' THEN r.answers ELSE COALESCE(" + gathered + ", '{}') END"}
	return `SELECT r.id, ` + strings.Join(fields, " || "+sep+" || ") + `
		FROM consult_responses r WHERE r.consultation_id = $1 AND r.status = 'submitted' ORDER BY r.id`
}

// eachExportRow streams the submitted responses of a consultation in id
// order, one query for all of them, handing fn each response's id and its
// fields (see exportSQL). The fields are substrings of one string per row,
// valid until fn returns.
//
// Reading rows from the database and writing them out take about the same
// CPU time, so a goroutine reads while fn writes: batches of exportBatch
// rows go through a channel and come back to be reused, so memory stays
// fixed. When fn fails the query is cancelled and its rows closed before
// eachExportRow returns.
func eachExportRow(ctx context.Context, db *store.DB, consultationID int64, fn func(id int64, f *[exportFields]string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := db.Query(ctx, exportSQL(db.Dialect()), consultationID)
	if err != nil {
		return err
	}
	type batch struct {
		ids    []int64
		joined []string
	}
	const batches = 4
	full, free := make(chan *batch, batches), make(chan *batch, batches)
	for range batches {
		free <- &batch{ids: make([]int64, 0, exportBatch), joined: make([]string, 0, exportBatch)}
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(full)
		defer rows.Close()
		b := <-free
		for rows.Next() {
			var id int64
			var joined string
			if err := rows.Scan(&id, &joined); err != nil {
				readErr <- err
				return
			}
			b.ids, b.joined = append(b.ids, id), append(b.joined, joined)
			if len(b.ids) < exportBatch {
				continue
			}
			full <- b // never blocks for long: fn's side returns every batch or cancels
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
		}
		if err := rows.Err(); err != nil {
			readErr <- err
			return
		}
		if len(b.ids) > 0 {
			full <- b
		}
	}()
	var f [exportFields]string
	err = func() error {
		for b := range full {
			for i, id := range b.ids {
				rest := b.joined[i]
				for k := range exportFields - 1 {
					v, after, ok := strings.Cut(rest, exportSep)
					if !ok {
						return fmt.Errorf("export response %d: %d fields, want %d", id, k+1, exportFields)
					}
					f[k], rest = v, after
				}
				f[fAnswers] = rest
				if err := fn(id, &f); err != nil {
					return err
				}
			}
			b.ids, b.joined = b.ids[:0], b.joined[:0]
			free <- b
		}
		return nil
	}()
	if err != nil {
		cancel()
		for range full { // let the reader finish and close its rows
		}
		return err
	}
	select {
	case err := <-readErr:
		return err
	default:
		return ctx.Err() // the reader stops early only when ctx ends
	}
}

// exportBatch is how many rows the reading goroutine hands over at once.
const exportBatch = 256

// exportTime formats a stored time as the export shows it: RFC 3339 in
// UTC, to the second. It takes the text exportSQL gives: already in that
// form, or, for a time SQLite holds in another zone, time.Time.String.
func exportTime(s string) (string, error) {
	switch {
	case s == "":
		return time.Time{}.Format(time.RFC3339), nil
	case len(s) == 20 && s[10] == 'T' && s[19] == 'Z':
		return s, nil
	}
	v, _, _ := strings.Cut(s, " m=") // a monotonic clock reading, if one was stored
	for _, layout := range []string{"2006-01-02 15:04:05.999999999 -0700 MST", time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC().Format(time.RFC3339), nil
		}
	}
	return "", fmt.Errorf("export: unreadable time %q", s)
}

// questionAnswer is one answer of a response, as parsed from its answers
// column.
type questionAnswer struct {
	question int64
	Answer
}

// answerParser reads the answers column: a JSON object from question id
// to Answer. It reads the common shapes (text, choices, other) itself,
// taking strings without escapes as substrings of the column, and leaves
// anything else (files, escapes it cannot take as they are) to
// encoding/json, so the result is always what json.Unmarshal would give.
// Its results are valid until the next call.
type answerParser struct {
	out     []questionAnswer
	choices []string
}

var errSlowPath = errors.New("answers need the general JSON decoder")

func (p *answerParser) parse(s string) ([]questionAnswer, error) {
	p.out, p.choices = p.out[:0], p.choices[:0]
	if s == "" {
		return p.out, nil
	}
	err := p.fast(s)
	if err == nil {
		return p.out, nil
	}
	if !errors.Is(err, errSlowPath) {
		return nil, err
	}
	var m map[string]Answer
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	p.out = p.out[:0]
	for k, a := range m {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("answers: question %q: %w", k, err)
		}
		p.out = append(p.out, questionAnswer{id, a})
	}
	return p.out, nil
}

// jsonScan walks a JSON text; any surprise sends the caller to the slow
// path.
type jsonScan struct {
	s string
	i int
}

func (j *jsonScan) ws() {
	for j.i < len(j.s) {
		switch j.s[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

// eat skips white space and then c, reporting whether c was there.
func (j *jsonScan) eat(c byte) bool {
	j.ws()
	if j.i < len(j.s) && j.s[j.i] == c {
		j.i++
		return true
	}
	return false
}

// str reads a string without escapes or invalid UTF-8, as a substring.
func (j *jsonScan) str() (string, error) {
	j.ws()
	if j.i >= len(j.s) || j.s[j.i] != '"' {
		return "", errSlowPath
	}
	start := j.i + 1
	ascii := true
	for k := start; k < len(j.s); k++ {
		switch c := j.s[k]; {
		case c == '"':
			v := j.s[start:k]
			if !ascii && !utf8.ValidString(v) {
				return "", errSlowPath
			}
			j.i = k + 1
			return v, nil
		case c == '\\' || c < 0x20:
			return "", errSlowPath
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", errSlowPath
}

func (p *answerParser) fast(s string) error {
	j := jsonScan{s: s}
	if !j.eat('{') {
		return errSlowPath
	}
	if j.eat('}') {
		return p.end(&j)
	}
	for {
		key, err := j.str()
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return errSlowPath
		}
		if !j.eat(':') || !j.eat('{') {
			return errSlowPath
		}
		qa := questionAnswer{question: id}
		if !j.eat('}') {
			for {
				field, err := j.str()
				if err != nil {
					return err
				}
				if !j.eat(':') {
					return errSlowPath
				}
				switch field {
				case "text":
					qa.Text, err = j.str()
				case "other":
					qa.Other, err = j.str()
				case "choices":
					err = p.list(&j, &qa.Answer)
				default: // files, and anything new, take the general decoder
					return errSlowPath
				}
				if err != nil {
					return err
				}
				if j.eat('}') {
					break
				}
				if !j.eat(',') {
					return errSlowPath
				}
			}
		}
		p.out = append(p.out, qa)
		if j.eat('}') {
			return p.end(&j)
		}
		if !j.eat(',') {
			return errSlowPath
		}
	}
}

// list reads an array of strings into a.Choices, sharing one backing
// array across the row.
func (p *answerParser) list(j *jsonScan, a *Answer) error {
	if !j.eat('[') {
		return errSlowPath
	}
	start := len(p.choices)
	if !j.eat(']') {
		for {
			v, err := j.str()
			if err != nil {
				return err
			}
			p.choices = append(p.choices, v)
			if j.eat(']') {
				break
			}
			if !j.eat(',') {
				return errSlowPath
			}
		}
	}
	if n := len(p.choices); n > start {
		a.Choices = p.choices[start:n:n]
	}
	return nil
}

func (p *answerParser) end(j *jsonScan) error {
	j.ws()
	if j.i != len(j.s) {
		return errSlowPath
	}
	return nil
}
