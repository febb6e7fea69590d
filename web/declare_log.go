package web

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/ledger"
)

// declareOutboxEntry returns the exact bytes of a record's log entry.
func (s *Server) declareOutboxEntry(r *http.Request, outboxID int64) (string, error) {
	b, err := ledger.OutboxEntry(r.Context(), s.DB, outboxID)
	return string(b), err
}

// declarePublished reports whether the record's entry is covered by the log's
// published checkpoint, so a receipt can be built.
func (s *Server) declarePublished(r *http.Request, ref declare.LogRef) bool {
	if s.Ledger == nil || !ref.Logged {
		return false
	}
	cp, err := s.Ledger.Checkpoint(r.Context())
	return err == nil && ref.Index < cp.Size
}

type declareTransparencyPage struct {
	Enabled     bool
	Origin      string
	VerifierKey string
	Size        uint64
	Pending     int64
	LogURL      string
}

func (s *Server) declareTransparency(w http.ResponseWriter, r *http.Request) error {
	d := declareTransparencyPage{LogURL: s.PublicURL + "/log/"}
	if s.Ledger != nil {
		d.Enabled = true
		d.Origin, d.VerifierKey = s.Ledger.Key().Origin(), s.Ledger.Key().VerifierKey
		if cp, err := s.Ledger.Checkpoint(r.Context()); err == nil {
			d.Size = cp.Size
		}
	}
	n, err := ledger.Pending(r.Context(), s.DB)
	if err != nil {
		return err
	}
	d.Pending = n
	return s.render(w, r, http.StatusOK, "declare-transparency", "declare.transparency.title", nil, d)
}

// declareVerifierKey serves the log's verifier key as a file, for `pallmall log
// verify --key`.
func (s *Server) declareVerifierKey(w http.ResponseWriter, r *http.Request) error {
	if s.Ledger == nil {
		return errNotFound
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="verifier.key"`)
	_, err := fmt.Fprintln(w, s.Ledger.Key().VerifierKey)
	return err
}

// declareEndorsementReceipt serves the receipt (entry, signed checkpoint,
// inclusion proof) of an endorsement's log entry, or of its withdrawal.
func (s *Server) declareEndorsementReceipt(w http.ResponseWriter, r *http.Request) error {
	e, err := s.declareEndorsementOf(r)
	if err != nil {
		return err
	}
	ref := e.Log
	if r.URL.Query().Get("entry") == "withdrawal" {
		ref = e.WithdrawalLog
	}
	return s.declareWriteReceipt(w, r, ref)
}

func (s *Server) declareWriteReceipt(w http.ResponseWriter, r *http.Request, ref declare.LogRef) error {
	if !s.declarePublished(r, ref) {
		return errNotFound
	}
	rec, err := s.Ledger.Receipt(r.Context(), ref.Index)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="receipt-%d.json"`, ref.Index))
	_, err = w.Write(b)
	return err
}

// declareSignatoryRecord is one line of the signatory register's downloads.
type declareSignatoryRecord struct {
	ID               int64  `json:"id"`
	Framework        string `json:"framework"`
	Version          string `json:"version"`
	OrganisationID   int64  `json:"organisation_id"`
	OrganisationEN   string `json:"organisation_en"`
	OrganisationFR   string `json:"organisation_fr"`
	Kind             string `json:"kind"`
	Country          string `json:"country,omitempty"`
	Method           string `json:"method"`
	EndorsedAt       string `json:"endorsed_at"`
	DocumentSHA256   string `json:"document_sha256"`
	LogEntryID       string `json:"log_entry_id"`
	LogIndex         *int64 `json:"log_index"`
	Withdrawn        bool   `json:"withdrawn"`
	WithdrawnAt      string `json:"withdrawn_at,omitempty"`
	WithdrawalReason string `json:"withdrawal_reason,omitempty"`
	URL              string `json:"url"`
}

func (s *Server) declareSignatoryRecords(r *http.Request) (declare.Framework, []declareSignatoryRecord, error) {
	svc := s.declareService()
	fw, err := svc.Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return fw, nil, err
	}
	list, err := svc.Endorsements(r.Context(), declareSignatoryFilter(r, fw.ID))
	if err != nil {
		return fw, nil, err
	}
	out := make([]declareSignatoryRecord, 0, len(list))
	for _, e := range list {
		rec := declareSignatoryRecord{ID: e.ID, Framework: e.FrameworkID, Version: e.Version, OrganisationID: e.Organisation.ID,
			OrganisationEN: e.Organisation.NameEN, OrganisationFR: e.Organisation.NameFR, Kind: string(e.Organisation.Kind), Country: e.Organisation.Country,
			Method: e.Method, EndorsedAt: e.EndorsedAt.Format(time.RFC3339), DocumentSHA256: e.DocumentSHA256, LogEntryID: e.Log.EntryID(),
			Withdrawn: e.Withdrawn, WithdrawalReason: e.WithdrawalReason, URL: s.declareEndorsementURL(e)}
		if e.Log.Logged {
			i := int64(e.Log.Index)
			rec.LogIndex = &i
		}
		if e.Withdrawn {
			rec.WithdrawnAt = e.WithdrawnAt.Format(time.RFC3339)
		}
		out = append(out, rec)
	}
	return fw, out, nil
}

func (s *Server) declareEndorsementURL(e declare.Endorsement) string {
	return fmt.Sprintf("%s/frameworks/%s/endorsements/%d", s.PublicURL, e.FrameworkID, e.ID)
}

func (s *Server) declareSignatoriesJSON(w http.ResponseWriter, r *http.Request) error {
	_, recs, err := s.declareSignatoryRecords(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"endorsements": recs})
}

func (s *Server) declareSignatoriesCSV(w http.ResponseWriter, r *http.Request) error {
	fw, recs, err := s.declareSignatoryRecords(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-signatories.csv"`, fw.ID))
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "framework", "version", "organisation_id", "organisation_en", "organisation_fr", "kind", "country", "method", "endorsed_at",
		"document_sha256", "log_entry_id", "log_index", "withdrawn", "withdrawn_at", "withdrawal_reason", "url"})
	for _, x := range recs {
		idx := ""
		if x.LogIndex != nil {
			idx = strconv.FormatInt(*x.LogIndex, 10)
		}
		cw.Write([]string{strconv.FormatInt(x.ID, 10), x.Framework, x.Version, strconv.FormatInt(x.OrganisationID, 10), declareCSVSafe(x.OrganisationEN), declareCSVSafe(x.OrganisationFR),
			x.Kind, x.Country, x.Method, x.EndorsedAt, x.DocumentSHA256, x.LogEntryID, idx, strconv.FormatBool(x.Withdrawn), x.WithdrawnAt, declareCSVSafe(x.WithdrawalReason), x.URL})
	}
	cw.Flush()
	return cw.Error()
}

// declareCSVSafe keeps a spreadsheet from reading a cell as a formula.
func declareCSVSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

type declareAtomFeed struct {
	XMLName xml.Name           `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string             `xml:"title"`
	ID      string             `xml:"id"`
	Updated string             `xml:"updated"`
	Link    []declareAtomLink  `xml:"link"`
	Author  declareAtomAuthor  `xml:"author"`
	Entries []declareAtomEntry `xml:"entry"`
}

type declareAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type declareAtomAuthor struct {
	Name string `xml:"name"`
}

type declareAtomEntry struct {
	Title   string          `xml:"title"`
	ID      string          `xml:"id"`
	Updated string          `xml:"updated"`
	Link    declareAtomLink `xml:"link"`
	Summary string          `xml:"summary"`
}

// declareSignatoriesAtom is the Atom feed of new endorsements, newest first.
func (s *Server) declareSignatoriesAtom(w http.ResponseWriter, r *http.Request) error {
	svc := s.declareService()
	fw, err := svc.Framework(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := svc.Endorsements(r.Context(), declare.Filter{FrameworkID: fw.ID, IncludeWithdrawn: true})
	if err != nil {
		return err
	}
	lang := info(r).lang
	cat := s.catalog
	self := s.PublicURL + "/frameworks/" + fw.ID + "/signatories.atom"
	feed := declareAtomFeed{Title: cat.T(lang, "declare.atom.title", fw.Title.In(lang)), ID: self, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Link: []declareAtomLink{{Href: self, Rel: "self"}, {Href: s.PublicURL + "/frameworks/" + fw.ID + "/signatories"}}, Author: declareAtomAuthor{Name: cat.T(lang, "declare.atom.author")}}
	// Newest first.
	for i := len(list) - 1; i >= 0; i-- {
		e := list[i]
		when := e.EndorsedAt
		if when.Format(time.RFC3339) > feed.Updated {
			feed.Updated = when.Format(time.RFC3339)
		}
		summary := cat.T(lang, "declare.atom.summary", e.Organisation.Name(lang), e.Label(), cat.T(lang, "declare.method."+e.Method), e.DocumentSHA256)
		if e.Withdrawn {
			summary += " " + cat.T(lang, "declare.atom.withdrawn")
		}
		feed.Entries = append(feed.Entries, declareAtomEntry{Title: e.Organisation.Name(lang) + " — " + e.Label(), ID: s.declareEndorsementURL(e),
			Updated: when.Format(time.RFC3339), Link: declareAtomLink{Href: s.declareEndorsementURL(e)}, Summary: summary})
	}
	declareSortAtom(feed.Entries)
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(feed)
}

func declareSortAtom(es []declareAtomEntry) {
	slices.SortStableFunc(es, func(a, b declareAtomEntry) int { return strings.Compare(b.Updated, a.Updated) })
}

type declareEntryPage struct {
	ID        int64
	Ref       declare.LogRef
	Entry     string
	Published bool
	PublicURL string
}

// declareLogEntry shows any log entry by its entry id (the outbox id), for
// every area's records: the entry once it is in the log, its index, and a
// receipt once a published checkpoint covers it. A pending entry shows
// only that it is pending.
func (s *Server) declareLogEntry(w http.ResponseWriter, r *http.Request) error {
	ref, err := s.declareEntryRef(r)
	if err != nil {
		return err
	}
	d := declareEntryPage{ID: ref.OutboxID, Ref: ref, PublicURL: s.PublicURL, Published: s.declarePublished(r, ref)}
	if ref.Logged {
		if d.Entry, err = s.declareOutboxEntry(r, ref.OutboxID); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "declare-entry", "declare.entry.title", nil, d)
}

func (s *Server) declareLogEntryReceipt(w http.ResponseWriter, r *http.Request) error {
	ref, err := s.declareEntryRef(r)
	if err != nil {
		return err
	}
	return s.declareWriteReceipt(w, r, ref)
}

func (s *Server) declareEntryRef(r *http.Request) (declare.LogRef, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return declare.LogRef{}, err
	}
	idx, ok, err := ledger.EntryIndex(r.Context(), s.DB, id)
	if err != nil {
		return declare.LogRef{}, err
	}
	return declare.LogRef{OutboxID: id, Index: idx, Logged: ok}, nil
}
