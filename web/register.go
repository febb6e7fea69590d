package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/register"
)

// The market oversight register's public pages: browse and search, each
// record's page (an entity's with its network), statistics, the list of
// changes and the exports.

func (s *Server) registerSvc() *register.Service { return &register.Service{DB: s.DB} }

var regRegionNames = map[string]display.Namer{"en": display.Regions(language.English), "fr": display.Regions(language.French)}

// regCountryName returns a country's name in lang, or the code if unknown.
func regCountryName(lang, code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	n, ok := regRegionNames[lang]
	if !ok {
		n = regRegionNames["en"]
	}
	if name := n.Name(r); name != "" && r.IsCountry() {
		return name
	}
	if strings.HasPrefix(code, "X") {
		return regFictional[lang] + " " + code
	}
	return code
}

// regFictional labels the user-assigned codes XA to XZ, which the demo
// uses for fictional states.
var regFictional = map[string]string{"en": "Fictional state", "fr": "État fictif"}

// regValue is one value of a field as shown: text, a message key to
// translate, or a link.
type regValue struct {
	Text, Key, Href string
	External        bool
}

type regField struct {
	Name   string // the field name, whose label is register.field.NAME
	Values []regValue
}

// regFields lays out a draft's kind-specific fields for display, naming the
// records that references point to.
func regFields(lang string, d register.Draft, names map[int64]register.Record) []regField {
	var out []regField
	for _, f := range register.Schema(d.Kind) {
		raw := d.Fields[f.Name]
		if raw == "" {
			continue
		}
		rf := regField{Name: f.Name}
		switch f.Type {
		case register.Choice:
			rf.Values = []regValue{{Key: "register.choice." + raw}}
		case register.Choices:
			for _, v := range d.ListOf(f.Name) {
				rf.Values = append(rf.Values, regValue{Key: "register.choice." + v})
			}
		case register.Country, register.Countries:
			for _, c := range d.ListOf(f.Name) {
				rf.Values = append(rf.Values, regValue{Text: regCountryName(lang, c), Href: regQuery(register.Filter{Country: c, Kind: d.Kind})})
			}
		case register.List, register.CVEs:
			for _, v := range d.ListOf(f.Name) {
				rf.Values = append(rf.Values, regValue{Text: v})
			}
		case register.URL:
			rf.Values = []regValue{{Text: raw, Href: raw, External: true}}
		case register.Ref:
			if strings.HasPrefix(raw, "p") {
				rf.Values = []regValue{{Text: "#" + raw[1:], Href: "/register/proposals/" + raw[1:]}}
			} else if rec, ok := names[d.RefOf(f.Name)]; ok {
				rf.Values = []regValue{{Text: rec.Name, Href: "/register/records/" + raw}}
			} else {
				rf.Values = []regValue{{Text: "#" + raw}}
			}
		case register.Percent:
			rf.Values = []regValue{{Text: raw + " %"}}
		default:
			rf.Values = []regValue{{Text: raw}}
		}
		out = append(out, rf)
	}
	return out
}

// regRefIDs lists the record ids a draft's references point to.
func regRefIDs(d register.Draft) []int64 {
	var ids []int64
	for _, f := range register.Schema(d.Kind) {
		if f.Type == register.Ref {
			if id := d.RefOf(f.Name); id != 0 {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// regQuery returns the browse page's URL for a filter.
func regQuery(f register.Filter) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("q", f.Query)
	set("kind", string(f.Kind))
	set("country", f.Country)
	set("category", f.Category)
	if f.Year != 0 {
		q.Set("year", strconv.Itoa(f.Year))
	}
	set("vector", f.Vector)
	set("confidence", string(f.Confidence))
	if len(q) == 0 {
		return "/register"
	}
	return "/register?" + q.Encode()
}

// regCategories lists every category value for the filter's select.
func regCategories() []string {
	var out []string
	for _, l := range [][]string{register.EntityKinds, register.ProductClasses, register.TargetGroups, register.AgencyTypes, register.RelationTypes, {"granted", "denied", "revoked"}} {
		for _, v := range l {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

type regBrowseData struct {
	Filter      register.Filter
	Records     []register.Record
	Countries   map[string]string // code to name, for the result rows
	Kinds       []register.Kind
	Categories  []string
	Vectors     []string
	Confidences []register.Confidence
	Prev, Next  string
	From, To    int
}

const regPageSize = 50

func (s *Server) registerBrowse(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := register.Filter{Query: q.Get("q"), Kind: register.Kind(q.Get("kind")), Country: strings.ToUpper(strings.TrimSpace(q.Get("country"))),
		Category: q.Get("category"), Vector: q.Get("vector"), Confidence: register.Confidence(q.Get("confidence")), Limit: regPageSize}
	if f.Kind != "" && !f.Kind.Valid() {
		f.Kind = ""
	}
	if f.Confidence != "" && !f.Confidence.Valid() {
		f.Confidence = ""
	}
	// Choice filters come from their allow-lists; anything else is ignored.
	if f.Vector != "" && !slices.Contains(register.Vectors, f.Vector) {
		f.Vector = ""
	}
	if f.Category != "" && !slices.Contains(regCategories(), f.Category) {
		f.Category = ""
	}
	f.Year, _ = strconv.Atoi(q.Get("year"))
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	f.Offset = (page - 1) * regPageSize
	recs, more, err := s.registerSvc().Search(r.Context(), f)
	if err != nil {
		return err
	}
	lang := info(r).lang
	d := regBrowseData{Filter: f, Records: recs, Countries: map[string]string{}, Kinds: register.Kinds, Categories: regCategories(),
		Vectors: register.Vectors, Confidences: register.Confidences, From: f.Offset + 1, To: f.Offset + len(recs)}
	for _, rec := range recs {
		for _, fl := range register.Schema(rec.Kind) {
			if fl.Type == register.Country || fl.Type == register.Countries {
				for _, c := range rec.ListOf(fl.Name) {
					d.Countries[c] = regCountryName(lang, c)
				}
			}
		}
	}
	base := regQuery(register.Filter{Query: f.Query, Kind: f.Kind, Country: f.Country, Category: f.Category, Year: f.Year, Vector: f.Vector, Confidence: f.Confidence})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	if page > 1 {
		d.Prev = base + sep + "page=" + strconv.Itoa(page-1)
	}
	if more {
		d.Next = base + sep + "page=" + strconv.Itoa(page+1)
	}
	return s.render(w, r, http.StatusOK, "register-browse", "register.title", nil, d)
}

type regGroup struct {
	Kind    register.Kind
	Records []register.Record
}

type regRecordData struct {
	Record   register.Record
	Fields   []regField
	Network  *regNetwork
	Linked   map[register.Kind][]register.Record
	Groups   []regGroup // linked records other than relationships
	Timeline []register.Record
	History  []register.Version
	// Changed lists, by version, the fields that version changed.
	Changed map[int][]string
	// Digests holds each version's digest in chunks, so it can wrap.
	Digests  map[int][]string
	Requests []register.Proposal
	Kinds    []register.Kind
	MayEdit  bool
}

func (s *Server) registerRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	svc := s.registerSvc()
	rec, err := svc.Record(ctx, id)
	if err != nil {
		return err
	}
	d := regRecordData{Record: rec, Kinds: register.Kinds, Linked: map[register.Kind][]register.Record{}}
	actor := Actor(r)
	d.MayEdit = !rec.Removed && actor.Is(auth.Delegate, auth.Secretariat)
	if d.History, err = svc.History(ctx, id); err != nil {
		return err
	}
	if d.Requests, err = svc.Requests(ctx, id); err != nil {
		return err
	}
	d.Changed, d.Digests = map[int][]string{}, map[int][]string{}
	for _, v := range d.History {
		for i := 0; i < len(v.SHA256); i += 8 {
			d.Digests[v.Version] = append(d.Digests[v.Version], v.SHA256[i:min(i+8, len(v.SHA256))])
		}
	}
	for i := 0; i+1 < len(d.History); i++ {
		if d.History[i].Op != "update" {
			continue
		}
		for _, c := range register.Diff(d.History[i+1].Draft, d.History[i].Draft) {
			d.Changed[d.History[i].Version] = append(d.Changed[d.History[i].Version], c.Name)
		}
	}
	if rec.Removed {
		// A removed record shows only that it was removed and why: its
		// content is no longer published.
		return s.render(w, r, http.StatusOK, "register-record", "register_record.title", nil, d)
	}
	linked, _, err := svc.Search(ctx, register.Filter{Linked: id, Limit: 1000})
	if err != nil {
		return err
	}
	ids := regRefIDs(rec.Draft)
	for _, l := range linked {
		d.Linked[l.Kind] = append(d.Linked[l.Kind], l)
		ids = append(ids, regRefIDs(l.Draft)...)
	}
	names, err := svc.Records(ctx, ids)
	if err != nil {
		return err
	}
	d.Fields = regFields(info(r).lang, rec.Draft, names)
	if rec.Kind == register.Entity || rec.Kind == register.Person {
		var others []register.Record
		for _, l := range linked {
			if l.Kind != register.Relationship {
				others = append(others, l)
			}
		}
		d.Network = regBuildNetwork(rec, d.Linked[register.Relationship], others, names)
		// The timeline holds incidents linked to the entity directly or
		// through one of its products.
		d.Timeline = append(d.Timeline, d.Linked[register.Incident]...)
		for _, p := range d.Linked[register.Product] {
			more, _, err := svc.Search(ctx, register.Filter{Linked: p.ID, Kind: register.Incident, Limit: 1000})
			if err != nil {
				return err
			}
			for _, m := range more {
				if !slices.ContainsFunc(d.Timeline, func(x register.Record) bool { return x.ID == m.ID }) {
					d.Timeline = append(d.Timeline, m)
				}
			}
		}
		slices.SortFunc(d.Timeline, func(a, b register.Record) int {
			return strings.Compare(a.Get("first_activity"), b.Get("first_activity"))
		})
	}
	for _, k := range register.Kinds {
		if k == register.Relationship || k == register.Incident && len(d.Timeline) > 0 || len(d.Linked[k]) == 0 {
			continue
		}
		d.Groups = append(d.Groups, regGroup{Kind: k, Records: d.Linked[k]})
	}
	return s.render(w, r, http.StatusOK, "register-record", "register_record.title", nil, d)
}

// registerCanonical serves the canonical JSON of one version: the bytes
// whose SHA-256 the version's transparency log entry carries.
func (s *Server) registerCanonical(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("version"), ".json"))
	if err != nil || v <= 0 {
		return pallmall.ErrNotFound
	}
	b, err := s.registerSvc().CanonicalVersion(r.Context(), id, v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b)
	return err
}

type regChangesData struct {
	Changes    []register.Version
	Requests   []register.Proposal
	Names      map[int64]register.Record
	Prev, Next string
}

func (s *Server) registerChanges(w http.ResponseWriter, r *http.Request) error {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	svc := s.registerSvc()
	changes, more, err := svc.Changes(r.Context(), (page-1)*regPageSize, regPageSize)
	if err != nil {
		return err
	}
	d := regChangesData{Changes: changes}
	if page > 1 {
		d.Prev = "/register/changes?page=" + strconv.Itoa(page-1)
	}
	if more {
		d.Next = "/register/changes?page=" + strconv.Itoa(page+1)
	}
	if page == 1 {
		if d.Requests, err = svc.Requests(r.Context(), 0); err != nil {
			return err
		}
	}
	var ids []int64
	for _, p := range d.Requests {
		ids = append(ids, p.RecordID)
	}
	if d.Names, err = svc.Records(r.Context(), ids); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "register-changes", "register_changes.title", nil, d)
}

func (s *Server) registerExport(format string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var kinds []register.Kind
		if k := register.Kind(r.URL.Query().Get("kind")); k.Valid() {
			kinds = append(kinds, k)
		}
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		svc := s.registerSvc()
		switch format {
		case "csv":
			h.Set("Content-Type", "text/csv; charset=utf-8")
			h.Set("Content-Disposition", `attachment; filename="register.csv"`)
			return svc.ExportCSV(r.Context(), w, kinds...)
		case "json":
			h.Set("Content-Type", "application/json; charset=utf-8")
			h.Set("Content-Disposition", `attachment; filename="register.json"`)
			return svc.ExportJSON(r.Context(), w, kinds...)
		default:
			h.Set("Content-Type", "application/stix+json;version=2.1")
			h.Set("Content-Disposition", `attachment; filename="register-incidents.stix.json"`)
			return svc.ExportSTIX(r.Context(), w, s.PublicURL)
		}
	}
}
