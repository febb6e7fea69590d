package consult

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Answer is a respondent's answer to one question. Text answers use Text;
// choice answers list option values in Choices (for a ranking, in rank
// order), with Other holding "other, please specify"; a file answer names
// the stored attachment.
type Answer struct {
	Text    string    `json:"text,omitempty"`
	Choices []string  `json:"choices,omitempty"`
	Other   string    `json:"other,omitempty"`
	File    *FileInfo `json:"file,omitempty"`
}

// FileInfo describes a stored attachment. Its name is not part of what a
// receipt commits to; its digest is.
type FileInfo struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Empty reports whether the answer says nothing.
func (a Answer) Empty() bool {
	return strings.TrimSpace(a.Text) == "" && len(a.Choices) == 0 && strings.TrimSpace(a.Other) == "" && a.File == nil
}

// Has reports whether the answer includes choice v.
func (a Answer) Has(v string) bool { return slices.Contains(a.Choices, v) }

// Rank returns the 1-based rank given to option v, or 0.
func (a Answer) Rank(v string) int {
	if i := slices.Index(a.Choices, v); i >= 0 {
		return i + 1
	}
	return 0
}

// body is the answer's free text, for searching and reading.
func (a Answer) body() string {
	return strings.TrimSpace(strings.TrimSpace(a.Text) + "\n" + strings.TrimSpace(a.Other))
}

// cleanText trims s and removes control characters other than newlines and
// tabs, normalising line endings.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// Normalise checks an answer against its question and returns it cleaned,
// or a message key saying what is wrong. An empty answer is valid here;
// whether it is required is checked on submit.
func (q Question) Normalise(a Answer) (Answer, string) {
	a.Text, a.Other = cleanText(a.Text), cleanText(a.Other)
	switch q.Kind {
	case ShortText, LongText:
		a.Choices, a.Other, a.File = nil, "", nil
		if n := utf8.RuneCountInString(a.Text); n > q.Limit() {
			return a, "consult.error.too_long"
		}
		if q.Kind == ShortText && strings.Contains(a.Text, "\n") {
			a.Text = strings.Join(strings.Fields(a.Text), " ")
		}
	case Single, YesNo, Likert, Multiple:
		a.Text, a.File = "", nil
		var out []string
		for _, c := range a.Choices {
			if c == "" || slices.Contains(out, c) {
				continue
			}
			if c == OtherValue && q.AllowOther {
				out = append(out, c)
				continue
			}
			if _, ok := q.Option(c); !ok {
				return a, "consult.error.bad_choice"
			}
			out = append(out, c)
		}
		a.Choices = out
		if q.Kind != Multiple && len(out) > 1 {
			return a, "consult.error.one_choice"
		}
		if slices.Contains(out, OtherValue) {
			if a.Other == "" {
				return a, "consult.error.other_required"
			}
		} else {
			a.Other = ""
		}
		if utf8.RuneCountInString(a.Other) > ShortTextMax {
			return a, "consult.error.too_long"
		}
	case Ranking:
		a.Text, a.Other, a.File = "", "", nil
		if len(a.Choices) == 0 {
			return a, ""
		}
		seen := map[string]bool{}
		for _, c := range a.Choices {
			if _, ok := q.Option(c); !ok || seen[c] {
				return a, "consult.error.ranking"
			}
			seen[c] = true
		}
		if len(a.Choices) != len(q.Choices()) {
			return a, "consult.error.ranking"
		}
	case File:
		a.Text, a.Choices, a.Other = "", nil, ""
	}
	return a, ""
}
