package register

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// MaxImportBytes is the largest file Import reads.
const MaxImportBytes = 64 << 20

// Row is one record of an import file: the CSV and JSON formats hold the
// same things (see docs/register.md).
type Row struct {
	// Key names the row so later rows of the same file can refer to it in a
	// reference field instead of a record id.
	Key string `json:"key,omitempty"`
	// ID is the record to update; 0 adds a record.
	ID         int64             `json:"id,omitempty"`
	Kind       Kind              `json:"kind"`
	Name       string            `json:"name"`
	Confidence Confidence        `json:"confidence"`
	SummaryEN  string            `json:"summary_en,omitempty"`
	SummaryFR  string            `json:"summary_fr,omitempty"`
	Fields     map[string]string `json:"fields"`
	Sources    []Source          `json:"sources"`

	line int
}

// RowError is one problem in an import file: the line it starts on (for
// JSON, the line of the object), the field (a column name, or "" for the
// whole row) and a message key.
type RowError struct {
	Line  int
	Field string
	Key   string
}

// ImportReport says what an import found and did.
type ImportReport struct {
	Rows     int        // data rows read
	Imported int        // records added or updated
	Errors   []RowError // every problem, by line
	// BadLines lists the lines with at least one error, in order.
	BadLines []int
}

// ImportOptions control an import.
type ImportOptions struct {
	// Format is "csv" or "json".
	Format string
	// SkipBad imports the good rows of a file with errors; otherwise a file
	// with any error imports nothing.
	SkipBad bool
	// DryRun checks the file and writes nothing.
	DryRun bool
}

// CSVColumns returns the columns of the CSV format, with n source column
// groups: key, id, the common columns, every kind's fields, then
// sourceN_ref, sourceN_publisher, sourceN_date.
func CSVColumns(n int) []string {
	cols := []string{"key", "id", "kind", "name", "confidence", "summary_en", "summary_fr"}
	cols = append(cols, AllFieldNames()...)
	for i := 1; i <= n; i++ {
		p := "source" + strconv.Itoa(i) + "_"
		cols = append(cols, p+"ref", p+"publisher", p+"date", p+"supports")
	}
	return cols
}

// Import reads a CSV or JSON file of records and publishes them in one
// transaction, as the secretariat (each record is a version and a log
// entry like any accepted proposal). It reports every bad row by line and
// field; unless opts.SkipBad, a file with any error imports nothing.
// Returns ErrForbidden for anyone but the secretariat and the command line.
func (s *Service) Import(ctx context.Context, actor auth.Actor, r io.Reader, opts ImportOptions) (ImportReport, error) {
	if !actor.Is(auth.Secretariat) {
		return ImportReport{}, pallmall.ErrForbidden
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return ImportReport{}, err
	}
	var rep ImportReport
	if len(data) > MaxImportBytes {
		rep.Errors = append(rep.Errors, RowError{Line: 0, Key: "register.import.too_big"})
		rep.finish()
		return rep, nil
	}
	var rows []Row
	switch opts.Format {
	case "csv":
		rows = readCSV(data, &rep)
	case "json":
		rows = readJSON(data, &rep)
	default:
		return rep, &pallmall.ValidationError{Fields: map[string]string{"format": "error.choose_one"}}
	}
	rep.Rows = len(rows)
	good := s.checkRows(ctx, rows, &rep)
	rep.finish()
	if opts.DryRun || len(rep.Errors) > 0 && !opts.SkipBad || len(good) == 0 {
		return rep, nil
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		ids := map[string]int64{}
		for _, row := range good {
			d := row.draft()
			for _, f := range schemas[d.Kind] {
				if v := d.Fields[f.Name]; f.Type == Ref && v != "" && !isDigits(v) {
					d.Fields[f.Name] = strconv.FormatInt(ids[v], 10)
				}
			}
			op := ledger.OpAdd
			if row.ID != 0 {
				op = ledger.OpUpdate
			}
			id, err := apply(ctx, tx, actor, change{op: op, recordID: row.ID, draft: d, imported: true})
			if err != nil {
				return fmt.Errorf("import line %d: %w", row.line, err)
			}
			if row.Key != "" {
				ids[row.Key] = id
			}
		}
		return audit.Record(ctx, tx, actor.UserID, "register.import", "register", opts.Format, strconv.Itoa(len(good))+" records")
	})
	if err != nil {
		return rep, err
	}
	rep.Imported = len(good)
	return rep, nil
}

func (rep *ImportReport) add(line int, field, key string) {
	rep.Errors = append(rep.Errors, RowError{Line: line, Field: field, Key: key})
}

func (rep *ImportReport) finish() {
	slices.SortStableFunc(rep.Errors, func(a, b RowError) int { return a.Line - b.Line })
	rep.BadLines = nil
	for _, e := range rep.Errors {
		if n := len(rep.BadLines); n == 0 || rep.BadLines[n-1] != e.Line {
			rep.BadLines = append(rep.BadLines, e.Line)
		}
	}
}

func (row Row) draft() Draft {
	fields := make(map[string]string, len(row.Fields))
	for k, v := range row.Fields {
		fields[k] = v
	}
	return Draft{Kind: row.Kind, Name: row.Name, Confidence: row.Confidence, SummaryEN: row.SummaryEN, SummaryFR: row.SummaryFR,
		Fields: fields, Sources: slices.Clone(row.Sources)}
}

func isDigits(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// readCSV parses a CSV file; problems with its structure go in rep.
func readCSV(data []byte, rep *ImportReport) []Row {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		rep.add(1, "", "register.import.no_header")
		return nil
	}
	known := CSVColumns(MaxSources)
	col := map[string]int{} // column name to index + 1, so 0 means absent
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(known, h):
			rep.add(1, h, "register.import.unknown_column")
		case col[h] != 0:
			rep.add(1, h, "register.import.duplicate_column")
		}
		col[h] = i + 1
	}
	for _, need := range []string{"kind", "name", "confidence"} {
		if col[need] == 0 {
			rep.add(1, need, "register.import.missing_column")
		}
	}
	if len(rep.Errors) > 0 {
		return nil
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// The reader cannot be trusted past a quoting error; a short
			// or long row is reported and the rest still read.
			rep.add(pe.StartLine, "", "register.import.malformed")
			if !errors.Is(err, csv.ErrFieldCount) {
				break
			}
			continue
		}
		if err != nil {
			rep.add(0, "", "register.import.malformed")
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			rep.add(line, "", "register.import.field_count")
			continue
		}
		get := func(name string) string {
			if i := col[name]; i != 0 {
				return undefuse(rec[i-1])
			}
			return ""
		}
		row := Row{line: line, Key: strings.TrimSpace(get("key")), Kind: Kind(strings.TrimSpace(get("kind"))), Name: get("name"),
			Confidence: Confidence(strings.TrimSpace(get("confidence"))), SummaryEN: get("summary_en"), SummaryFR: get("summary_fr"), Fields: map[string]string{}}
		if v := strings.TrimSpace(get("id")); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				rep.add(line, "id", "register.error.ref")
				continue
			}
			row.ID = id
		}
		for _, f := range schemas[row.Kind] {
			if v := get(f.Name); v != "" {
				row.Fields[f.Name] = v
			}
		}
		for _, name := range AllFieldNames() {
			if _, own := field(row.Kind, name); !own && row.Kind.Valid() && strings.TrimSpace(get(name)) != "" {
				rep.add(line, name, "register.import.not_for_kind")
			}
		}
		for i := 1; i <= MaxSources; i++ {
			p := "source" + strconv.Itoa(i) + "_"
			src := Source{Ref: get(p + "ref"), Publisher: get(p + "publisher"), Date: get(p + "date"), Supports: get(p + "supports")}
			row.Sources = append(row.Sources, src)
		}
		rows = append(rows, row)
	}
	return rows
}

// readJSON parses a JSON array of rows, noting the line each starts on.
func readJSON(data []byte, rep *ImportReport) []Row {
	lineAt := func(off int64) int { return 1 + bytes.Count(data[:off], []byte("\n")) }
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		rep.add(1, "", "register.import.json_array")
		return nil
	}
	var rows []Row
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			rep.add(lineAt(dec.InputOffset()), "", "register.import.malformed")
			return rows
		}
		start := dec.InputOffset() - int64(len(raw))
		line := lineAt(start + int64(len(raw)-len(bytes.TrimLeft(raw, " \t\r\n"))))
		var row Row
		rd := json.NewDecoder(bytes.NewReader(raw))
		rd.DisallowUnknownFields()
		if err := rd.Decode(&row); err != nil {
			rep.add(line, "", "register.import.malformed")
			continue
		}
		row.line = line
		if row.Fields == nil {
			row.Fields = map[string]string{}
		}
		for name := range row.Fields {
			if _, own := field(row.Kind, name); !own && row.Kind.Valid() {
				rep.add(line, name, "register.import.not_for_kind")
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// checkRows validates every row, including its references, and returns
// the good ones. A row that refers by key to a bad row is bad too.
func (s *Service) checkRows(ctx context.Context, rows []Row, rep *ImportReport) []Row {
	type keyed struct {
		kind Kind
		ok   bool
	}
	keys := map[string]keyed{}
	bad := map[int]bool{}
	for _, e := range rep.Errors {
		bad[e.Line] = true
	}
	// Look up every numeric reference and id in one pass.
	var ids []int64
	for _, row := range rows {
		if row.ID != 0 {
			ids = append(ids, row.ID)
		}
		for _, f := range schemas[row.Kind] {
			if v := strings.TrimSpace(row.Fields[f.Name]); f.Type == Ref && isDigits(v) {
				n, _ := strconv.ParseInt(v, 10, 64)
				ids = append(ids, n)
			}
		}
	}
	existing, err := s.Records(ctx, ids)
	if err != nil {
		rep.add(0, "", "register.import.failed")
		return nil
	}
	var good []Row
	for i := range rows {
		row := &rows[i]
		d := row.draft()
		ok := !bad[row.line]
		fail := func(field, key string) {
			rep.add(row.line, field, key)
			ok = false
		}
		// References by key are checked below, not by Validate.
		byKey := map[string]string{}
		for _, f := range schemas[d.Kind] {
			if v := strings.TrimSpace(d.Fields[f.Name]); f.Type == Ref && v != "" && !isDigits(v) {
				byKey[f.Name] = v
				d.Fields[f.Name] = "1" // a well-formed stand-in

			}
		}
		err := d.Validate()
		for name, v := range byKey {
			d.Fields[name] = v
		}
		if err != nil {
			var v *pallmall.ValidationError
			if !errors.As(err, &v) {
				fail("", "register.import.failed")
				continue
			}
			names := make([]string, 0, len(v.Fields))
			for f := range v.Fields {
				names = append(names, f)
			}
			slices.Sort(names)
			for _, f := range names {
				fail(f, v.Fields[f])
			}
		}
		if row.ID != 0 {
			if rec, found := existing[row.ID]; !found || rec.Kind != row.Kind {
				fail("id", "register.error.ref")
			}
		}
		for _, f := range schemas[d.Kind] {
			v := d.Fields[f.Name]
			if f.Type != Ref || v == "" {
				continue
			}
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				if rec, found := existing[n]; !found {
					fail(f.Name, "register.error.ref")
				} else if !slices.Contains(f.RefKinds, rec.Kind) {
					fail(f.Name, "register.error.ref_kind")
				}
				continue
			}
			switch k, found := keys[v]; {
			case !found:
				fail(f.Name, "register.import.unknown_key")
			case !k.ok:
				fail(f.Name, "register.import.bad_key")
			case !slices.Contains(f.RefKinds, k.kind):
				fail(f.Name, "register.error.ref_kind")
			}
		}
		if row.Key != "" {
			if _, dup := keys[row.Key]; dup {
				fail("key", "register.import.duplicate_key")
			} else {
				keys[row.Key] = keyed{kind: row.Kind, ok: ok}
			}
		}
		if ok {
			row.Kind, row.Name, row.Confidence, row.SummaryEN, row.SummaryFR, row.Fields, row.Sources = d.Kind, d.Name, d.Confidence, d.SummaryEN, d.SummaryFR, d.Fields, d.Sources
			good = append(good, *row)
		}
	}
	return good
}
