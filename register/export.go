package register

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
)

// rowOf returns a published record as an import row, so an export can be
// edited and imported back.
func rowOf(r Record) Row {
	src := r.Sources
	if src == nil {
		src = []Source{}
	}
	return Row{ID: r.ID, Kind: r.Kind, Name: r.Name, Confidence: r.Confidence, SummaryEN: r.SummaryEN, SummaryFR: r.SummaryFR, Fields: r.Fields, Sources: src}
}

// ExportCSV writes every published record of the given kinds (all if none)
// in the CSV import format, with their ids, so the file can be edited and
// imported back as updates.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, kinds ...Kind) error {
	recs, err := s.All(ctx, kinds...)
	if err != nil {
		return err
	}
	n := 1
	for _, r := range recs {
		n = max(n, len(r.Sources))
	}
	cols := CSVColumns(n)
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	line := make([]string, len(cols))
	for _, r := range recs {
		for i, c := range cols {
			line[i] = defuse(cell(r, c))
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse prefixes a cell that a spreadsheet would run as a formula with an
// apostrophe; Import removes it again, so exports still import back.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// undefuse reverses defuse.
func undefuse(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func cell(r Record, col string) string {
	switch col {
	case "key":
		return ""
	case "id":
		return strconv.FormatInt(r.ID, 10)
	case "kind":
		return string(r.Kind)
	case "name":
		return r.Name
	case "confidence":
		return string(r.Confidence)
	case "summary_en":
		return r.SummaryEN
	case "summary_fr":
		return r.SummaryFR
	}
	for i := range r.Sources {
		p := "source" + strconv.Itoa(i+1) + "_"
		switch col {
		case p + "ref":
			return r.Sources[i].Ref
		case p + "publisher":
			return r.Sources[i].Publisher
		case p + "date":
			return r.Sources[i].Date
		case p + "supports":
			return r.Sources[i].Supports
		}
	}
	return r.Fields[col]
}

// ExportJSON writes every published record of the given kinds (all if
// none) as a JSON array in the JSON import format.
func (s *Service) ExportJSON(ctx context.Context, w io.Writer, kinds ...Kind) error {
	recs, err := s.All(ctx, kinds...)
	if err != nil {
		return err
	}
	rows := make([]Row, 0, len(recs))
	for _, r := range recs {
		rows = append(rows, rowOf(r))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}
