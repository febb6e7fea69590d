package register

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/pallmall/pallmall"
)

// Source is where a fact comes from: a URL or a document reference, who
// published it and when, and optionally which facts of the record it
// supports, in the proposer's words ("founding date, ownership share").
type Source struct {
	Ref       string `json:"ref"`
	Publisher string `json:"publisher"`
	Date      string `json:"date"`
	Supports  string `json:"supports,omitempty"`
}

// IsURL reports whether the source's reference is a web address.
func (s Source) IsURL() bool {
	return strings.HasPrefix(s.Ref, "https://") || strings.HasPrefix(s.Ref, "http://")
}

// MaxSources is how many sources one record may carry.
const MaxSources = 10

// Draft is the content of a record as proposed or imported: everything but
// its identity and history.
type Draft struct {
	Kind       Kind
	Name       string
	Confidence Confidence
	// SummaryEN and SummaryFR describe the record in English and French;
	// either both or neither.
	SummaryEN, SummaryFR string
	// Fields holds the kind's own fields (see Schema) as text: lists are
	// separated by "; ", references are record ids.
	Fields  map[string]string
	Sources []Source
}

// Get returns a field's value.
func (d Draft) Get(name string) string { return d.Fields[name] }

// ListOf splits a list field into its items.
func (d Draft) ListOf(name string) []string { return splitList(d.Fields[name]) }

// RefOf returns the record id a reference field points to, or 0.
func (d Draft) RefOf(name string) int64 {
	id, err := strconv.ParseInt(d.Fields[name], 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// Summary returns the summary in lang.
func (d Draft) Summary(lang string) string {
	if lang == "fr" && d.SummaryFR != "" {
		return d.SummaryFR
	}
	return d.SummaryEN
}

// Record is a published item of the register.
type Record struct {
	Draft
	ID        int64
	Version   int
	Removed   bool
	SHA256    string // digest of the current version's canonical form
	CreatedAt time.Time
	UpdatedAt time.Time
}

var (
	dateRe = regexp.MustCompile(`^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$`)
	cveRe  = regexp.MustCompile(`^CVE-\d{4}-\d{4,7}$`)
	// refRe accepts a record id or, in a proposal, "p" and the id of an
	// earlier add proposal whose record does not exist yet.
	refRe = regexp.MustCompile(`^p?[1-9]\d{0,17}$`)
	// ratingRe is one measure's rating in an assessment: "MEASURE: RATING".
	ratingRe = regexp.MustCompile(`^[^:]{1,100}:\s*(met|partly_met|not_met|not_assessed)$`)
	// indicatorRe is one technical indicator of an incident: a domain name,
	// an IPv4 address or a SHA-256 file hash, with its type.
	indicatorRe = regexp.MustCompile(`^(domain:[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+|ipv4:(\d{1,3}\.){3}\d{1,3}|sha256:[0-9a-f]{64})$`)
)

// Validate checks d and normalises it: trims text, upper-cases country
// codes, tidies lists, and drops fields the kind does not have. Message keys
// name the problem; field names are those of the form and the CSV columns.
func (d *Draft) Validate() error {
	var v pallmall.ValidationError
	if !d.Kind.Valid() {
		v.Add("kind", "error.choose_one")
		return v.Err()
	}
	d.Name = strings.TrimSpace(d.Name)
	d.SummaryEN = strings.TrimSpace(d.SummaryEN)
	d.SummaryFR = strings.TrimSpace(d.SummaryFR)
	switch {
	case d.Name == "" && d.Kind != Relationship:
		v.Add("name", "error.required")
	case len(d.Name) > 300:
		v.Add("name", "error.too_long")
	case !cleanText(d.Name):
		v.Add("name", "register.error.control")
	}
	if !d.Confidence.Valid() {
		v.Add("confidence", "error.choose_one")
	}
	for _, s := range []struct {
		name string
		val  string
	}{{"summary_en", d.SummaryEN}, {"summary_fr", d.SummaryFR}} {
		if len(s.val) > 4000 {
			v.Add(s.name, "error.too_long")
		} else if !cleanText(s.val) {
			v.Add(s.name, "register.error.control")
		}
	}
	if d.SummaryEN != "" && d.SummaryFR == "" {
		v.Add("summary_fr", "register.error.both_languages")
	}
	if d.SummaryFR != "" && d.SummaryEN == "" {
		v.Add("summary_en", "register.error.both_languages")
	}
	fields := map[string]string{}
	for _, f := range schemas[d.Kind] {
		val, key := normalise(f, d.Fields[f.Name])
		if key != "" {
			v.Add(f.Name, key)
			continue
		}
		if val == "" {
			if f.Required {
				v.Add(f.Name, "error.required")
			}
			continue
		}
		fields[f.Name] = val
	}
	d.Fields = fields
	if d.Kind == Relationship && fields["from"] != "" && fields["from"] == fields["to"] {
		v.Add("to", "register.error.self_relation")
	}
	if d.Kind == Relationship && fields["share"] != "" && fields["relation"] != "owns" && fields["relation"] != "invests_in" {
		v.Add("share", "register.error.share_needs_ownership")
	}
	validateSources(d, &v)
	return v.Err()
}

func validateSources(d *Draft, v *pallmall.ValidationError) {
	var kept []Source
	for i, s := range d.Sources {
		s.Ref, s.Publisher, s.Date, s.Supports = strings.TrimSpace(s.Ref), strings.TrimSpace(s.Publisher), strings.TrimSpace(s.Date), strings.TrimSpace(s.Supports)
		if s == (Source{}) {
			continue
		}
		p := "source" + strconv.Itoa(i+1) + "_"
		switch {
		case len(s.Supports) > 300:
			v.Add(p+"supports", "error.too_long")
		case !cleanText(s.Supports):
			v.Add(p+"supports", "register.error.control")
		}
		switch {
		case s.Ref == "":
			v.Add(p+"ref", "error.required")
		case len(s.Ref) > 2000:
			v.Add(p+"ref", "error.too_long")
		case strings.Contains(s.Ref, "://") && !validURL(s.Ref):
			v.Add(p+"ref", "register.error.url")
		case !cleanText(s.Ref):
			v.Add(p+"ref", "register.error.control")
		}
		switch {
		case s.Publisher == "":
			v.Add(p+"publisher", "error.required")
		case len(s.Publisher) > 300:
			v.Add(p+"publisher", "error.too_long")
		case !cleanText(s.Publisher):
			v.Add(p+"publisher", "register.error.control")
		}
		switch {
		case s.Date == "":
			v.Add(p+"date", "error.required")
		case !dateRe.MatchString(s.Date):
			v.Add(p+"date", "register.error.date")
		}
		kept = append(kept, s)
	}
	switch {
	case len(kept) == 0:
		v.Add("source1_ref", "register.error.source_required")
	case len(kept) > MaxSources:
		v.Add("sources", "register.error.too_many_sources")
	}
	d.Sources = kept
}

// normalise returns a field's value in its stored form, or the message key
// of what is wrong with it.
func normalise(f Field, raw string) (string, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ""
	}
	if !cleanText(s) {
		return "", "register.error.control"
	}
	switch f.Type {
	case Text:
		if len(s) > 2000 {
			return "", "error.too_long"
		}
	case Date:
		if !dateRe.MatchString(s) {
			return "", "register.error.date"
		}
	case Country:
		s = strings.ToUpper(s)
		if !validCountry(s) {
			return "", "error.country_code"
		}
	case Countries:
		items := splitList(strings.ToUpper(s))
		for _, c := range items {
			if !validCountry(c) {
				return "", "error.country_code"
			}
		}
		s = joinList(items)
	case Choice:
		if !slices.Contains(f.Choices, s) {
			return "", "error.choose_one"
		}
	case Choices:
		items := splitList(s)
		for _, c := range items {
			if !slices.Contains(f.Choices, c) {
				return "", "error.choose_one"
			}
		}
		s = joinList(items)
	case List:
		if f.Name == "indicators" {
			s = strings.ToLower(s)
		}
		items := splitList(s)
		for _, it := range items {
			if len(it) > 200 {
				return "", "error.too_long"
			}
			if f.Name == "ratings" && !ratingRe.MatchString(it) {
				return "", "register.error.rating"
			}
			if f.Name == "indicators" && !indicatorRe.MatchString(it) {
				return "", "register.error.indicator"
			}
		}
		if len(items) > 50 {
			return "", "error.too_long"
		}
		s = joinList(items)
	case CVEs:
		items := splitList(strings.ToUpper(s))
		for _, c := range items {
			if !cveRe.MatchString(c) {
				return "", "register.error.cve"
			}
		}
		s = joinList(items)
	case URL:
		if !validURL(s) {
			return "", "register.error.url"
		}
	case Percent, Number:
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || (f.Type == Percent && n > 100) || n > 1_000_000 {
			return "", "register.error." + string(f.Type)
		}
		s = strconv.Itoa(n)
	case Ref:
		if !refRe.MatchString(s) {
			return "", "register.error.ref"
		}
	}
	return s, ""
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 2000
}

// validCountry reports whether code is an ISO 3166-1 alpha-2 country code,
// or one of the user-assigned codes XA to XZ, which the demo register uses
// for fictional states so that no real state is named in made-up cases.
func validCountry(code string) bool {
	if len(code) != 2 {
		return false
	}
	if code[0] == 'X' && code[1] >= 'A' && code[1] <= 'Z' {
		return true
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}

// cleanText reports whether s is valid UTF-8 without control characters
// other than newlines and tabs.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return false
		}
	}
	return true
}

func splitList(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ";") {
		if it = strings.TrimSpace(it); it != "" && !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out
}

func joinList(items []string) string { return strings.Join(items, "; ") }

// Year returns the year a date field starts with, or 0.
func Year(date string) int {
	if len(date) < 4 {
		return 0
	}
	y, err := strconv.Atoi(date[:4])
	if err != nil {
		return 0
	}
	return y
}
