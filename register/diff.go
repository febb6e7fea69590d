package register

import (
	"strings"
)

// FieldChange is one field that differs between two drafts: the common
// fields are "name", "confidence", "summary_en", "summary_fr" and
// "sources"; the others are the kind's own.
type FieldChange struct {
	Name     string
	Old, New string
}

// Diff lists the fields that differ from a to b, in form order, for the
// secretariat reviewing a correction and for a record's history.
func Diff(a, b Draft) []FieldChange {
	var out []FieldChange
	add := func(name, x, y string) {
		if x != y {
			out = append(out, FieldChange{Name: name, Old: x, New: y})
		}
	}
	add("name", a.Name, b.Name)
	add("confidence", string(a.Confidence), string(b.Confidence))
	add("summary_en", a.SummaryEN, b.SummaryEN)
	add("summary_fr", a.SummaryFR, b.SummaryFR)
	for _, f := range schemas[b.Kind] {
		add(f.Name, a.Fields[f.Name], b.Fields[f.Name])
	}
	add("sources", sourcesText(a.Sources), sourcesText(b.Sources))
	return out
}

func sourcesText(ss []Source) string {
	var lines []string
	for _, s := range ss {
		line := s.Ref + ", " + s.Publisher + ", " + s.Date
		if s.Supports != "" {
			line += " (" + s.Supports + ")"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
