package declare

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/store"
)

// Implementation statuses of a measure.
const (
	StatusNotStarted    = "not_started"
	StatusInProgress    = "in_progress"
	StatusImplemented   = "implemented"
	StatusNotApplicable = "not_applicable"
)

// Statuses lists the statuses in display order.
var Statuses = []string{StatusNotStarted, StatusInProgress, StatusImplemented, StatusNotApplicable}

// ReportRegister is the register name of implementation reports in the
// log's register-change entries.
const ReportRegister = "implementation-reports"

// Limits of a report item.
const (
	MaxExplanation = 2000
	MaxEvidence    = 10
)

// ReportItem is a state's status on one measure.
type ReportItem struct {
	Measure     string   `json:"measure"`
	Status      string   `json:"status"`
	Explanation string   `json:"explanation,omitempty"`
	Evidence    []string `json:"evidence,omitempty"`
}

// Report is one published version (revision) of a state's implementation
// report on a framework version.
type Report struct {
	ID             int64
	VersionID      int64
	FrameworkID    string
	Version        string
	Organisation   auth.Organisation
	Revision       int
	Items          []ReportItem
	Document       []byte
	DocumentSHA256 string
	PublishedAt    time.Time
	Log            LogRef
}

// Item returns the item for measure n.
func (r Report) Item(n string) (ReportItem, bool) {
	for _, it := range r.Items {
		if it.Measure == n {
			return it, true
		}
	}
	return ReportItem{}, false
}

// ItemFor returns the item for measure n, or nil (for templates).
func (r Report) ItemFor(n string) *ReportItem {
	if it, ok := r.Item(n); ok {
		return &it
	}
	return nil
}

type reportDoc struct {
	Type            string       `json:"type"`
	Framework       string       `json:"framework"`
	Version         string       `json:"version"`
	FrameworkSHA256 string       `json:"framework_sha256"`
	OrganisationID  int64        `json:"organisation_id"`
	Organisation    string       `json:"organisation"`
	Revision        int          `json:"revision"`
	Time            string       `json:"time"`
	Items           []ReportItem `json:"items"`
}

// PublishReport publishes a new revision of a state's implementation report
// on a framework version, and logs it as a register-change entry. The
// secretariat or a delegate of the state may publish; the state must
// endorse the version. Items name measures of the version; measures left
// out are "not reported". Returns ErrForbidden, ErrNotFound, or a
// ValidationError (framework: declare.error.not_endorsed when the state
// does not endorse the version); nothing is recorded on error.
func (s *Service) PublishReport(ctx context.Context, actor auth.Actor, frameworkID, version string, orgID int64, items []ReportItem) (Report, error) {
	if orgID == 0 {
		orgID = actor.OrganisationID
	}
	if orgID == 0 || !actor.ActsFor(orgID) {
		return Report{}, pallmall.ErrForbidden
	}
	v, err := s.Version(ctx, frameworkID, version)
	if err != nil {
		return Report{}, err
	}
	clean, err := validateItems(v.Document, items)
	if err != nil {
		return Report{}, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		org, err := organisation(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if org.Kind != auth.State {
			return invalid("organisation", "declare.error.not_state")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM endorsements WHERE version_id = $1 AND organisation_id = $2 AND withdrawn_at IS NULL`, v.ID, orgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return invalid("framework", "declare.error.not_endorsed")
		}
		var rev int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(max(revision), 0) FROM implementation_reports WHERE version_id = $1 AND organisation_id = $2`, v.ID, orgID).Scan(&rev); err != nil {
			return err
		}
		rev++
		now := store.Now()
		raw, err := canonical(reportDoc{Type: "pallmall-implementation-report", Framework: v.FrameworkID, Version: v.Version, FrameworkSHA256: v.DocumentSHA256,
			OrganisationID: orgID, Organisation: org.NameEN, Revision: rev, Time: now.Format(ledger.TimeLayout), Items: clean})
		if err != nil {
			return err
		}
		digest := ledger.Digest(raw)
		op := ledger.OpUpdate
		if rev == 1 {
			op = ledger.OpAdd
		}
		outbox, err := ledger.Enqueue(ctx, tx, ledger.RegisterChange{Register: ReportRegister, Op: op, Subject: v.Label() + ":" + strconv.FormatInt(orgID, 10), RecordSHA256: digest})
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO implementation_reports (version_id, organisation_id, revision, document, document_sha256, published_at, user_id, outbox_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, v.ID, orgID, rev, string(raw), digest, now, nullID(actor.UserID), outbox).Scan(&id)
		if err != nil {
			return err
		}
		for _, it := range clean {
			if _, err := tx.Exec(ctx, `INSERT INTO report_items (report_id, measure, status, explanation, evidence) VALUES ($1, $2, $3, $4, $5)`,
				id, it.Measure, it.Status, it.Explanation, strings.Join(it.Evidence, "\n")); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor.UserID, "report.publish", "implementation_report", id, v.Label())
	})
	if err != nil {
		return Report{}, err
	}
	return s.Report(ctx, id)
}

// validateItems checks items against the document's measures and returns
// them cleaned, in document order.
func validateItems(doc Document, items []ReportItem) ([]ReportItem, error) {
	var v pallmall.ValidationError
	byMeasure := map[string]ReportItem{}
	for _, it := range items {
		if _, ok := doc.Measure(it.Measure); !ok {
			v.Add("measure."+it.Measure, "declare.error.unknown_measure")
			continue
		}
		if _, dup := byMeasure[it.Measure]; dup {
			v.Add("measure."+it.Measure, "declare.error.duplicate_measure")
		}
		byMeasure[it.Measure] = it
	}
	var out []ReportItem
	for _, m := range doc.Measures() {
		it, ok := byMeasure[m.Number]
		if !ok || (it.Status == "" && strings.TrimSpace(it.Explanation) == "" && len(it.Evidence) == 0) {
			continue
		}
		f := "measure." + m.Number
		if !contains(Statuses, it.Status) {
			v.Add(f+".status", "error.choose_one")
		}
		it.Explanation = strings.TrimSpace(strings.ReplaceAll(it.Explanation, "\r\n", "\n"))
		if len(it.Explanation) > MaxExplanation {
			v.Add(f+".explanation", "error.too_long")
		}
		var links []string
		for _, l := range it.Evidence {
			if l = strings.TrimSpace(l); l == "" {
				continue
			}
			u, err := url.Parse(l)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(l) > 500 {
				v.Add(f+".evidence", "declare.error.evidence_url")
			}
			links = append(links, l)
		}
		if len(links) > MaxEvidence {
			v.Add(f+".evidence", "declare.error.too_many_links")
		}
		it.Evidence = links
		out = append(out, it)
	}
	if len(out) == 0 && v.Err() == nil {
		v.Add("items", "declare.error.empty_report")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

const reportQuery = `SELECT r.id, r.version_id, v.framework_id, v.version, g.id, g.name_en, g.name_fr, g.kind, g.country, g.created_at,
	r.revision, r.document, r.document_sha256, r.published_at, r.outbox_id, o.log_index
FROM implementation_reports r
JOIN framework_versions v ON v.id = r.version_id
JOIN organisations g ON g.id = r.organisation_id
JOIN ledger_outbox o ON o.id = r.outbox_id`

func (s *Service) scanReports(ctx context.Context, q string, args ...any) ([]Report, error) {
	rows, err := s.DB.Query(ctx, q, args...)
	reports, err := store.ScanAll(rows, err, func(r *sql.Rows) (Report, error) {
		var rep Report
		var doc string
		var outbox int64
		var idx sql.NullInt64
		err := r.Scan(&rep.ID, &rep.VersionID, &rep.FrameworkID, &rep.Version, &rep.Organisation.ID, &rep.Organisation.NameEN, &rep.Organisation.NameFR,
			&rep.Organisation.Kind, &rep.Organisation.Country, &rep.Organisation.CreatedAt, &rep.Revision, &doc, &rep.DocumentSHA256, &rep.PublishedAt, &outbox, &idx)
		rep.Document = []byte(doc)
		rep.PublishedAt = rep.PublishedAt.UTC()
		rep.Log.scan(outbox, idx)
		return rep, err
	})
	if err != nil {
		return nil, err
	}
	for i := range reports {
		rows, err := s.DB.Query(ctx, `SELECT measure, status, explanation, evidence FROM report_items WHERE report_id = $1`, reports[i].ID)
		items, err := store.ScanAll(rows, err, func(r *sql.Rows) (ReportItem, error) {
			var it ReportItem
			var ev string
			err := r.Scan(&it.Measure, &it.Status, &it.Explanation, &ev)
			if ev != "" {
				it.Evidence = strings.Split(ev, "\n")
			}
			return it, err
		})
		if err != nil {
			return nil, err
		}
		reports[i].Items = items
	}
	return reports, nil
}

// Report returns one report revision (reports are public). Returns
// ErrNotFound if there is none.
func (s *Service) Report(ctx context.Context, id int64) (Report, error) {
	rs, err := s.scanReports(ctx, reportQuery+` WHERE r.id = $1`, id)
	if err != nil {
		return Report{}, err
	}
	if len(rs) == 0 {
		return Report{}, fmt.Errorf("report %d: %w", id, pallmall.ErrNotFound)
	}
	return rs[0], nil
}

// Reports returns the latest revision of every state's report on a
// framework version (empty version: the newest), by organisation name.
func (s *Service) Reports(ctx context.Context, frameworkID, version string) ([]Report, error) {
	v, err := s.Version(ctx, frameworkID, version)
	if err != nil {
		return nil, err
	}
	return s.scanReports(ctx, reportQuery+` WHERE r.version_id = $1 AND r.revision = (SELECT max(revision) FROM implementation_reports x WHERE x.version_id = r.version_id AND x.organisation_id = r.organisation_id) ORDER BY g.name_en`, v.ID)
}

// ReportHistory returns every revision of one state's report on a
// framework version, newest first.
func (s *Service) ReportHistory(ctx context.Context, versionID, orgID int64) ([]Report, error) {
	return s.scanReports(ctx, reportQuery+` WHERE r.version_id = $1 AND r.organisation_id = $2 ORDER BY r.revision DESC`, versionID, orgID)
}

// Matrix is the public table of states against measures.
type Matrix struct {
	Version  Version
	Measures []Measure
	Rows     []MatrixRow
}

// Pillars returns the version's pillars, to show the matrix one pillar at
// a time.
func (m Matrix) Pillars() []Pillar { return m.Version.Document.Pillars }

// MatrixRow is one state's line of the matrix.
type MatrixRow struct {
	Organisation auth.Organisation
	Report       *Report // nil if the state has not reported
	// Statuses holds the status per measure, in Measures order, "" where
	// not reported.
	Statuses []string
	measures []Measure
}

// Status returns the row's status for measure number n, "" if not reported.
func (r MatrixRow) Status(n string) string {
	for i, m := range r.measures {
		if m.Number == n {
			return r.Statuses[i]
		}
	}
	return ""
}

// Matrix returns the states endorsing a framework version (or having
// reported on it) against its measures.
func (s *Service) Matrix(ctx context.Context, frameworkID, version string) (Matrix, error) {
	v, err := s.Version(ctx, frameworkID, version)
	if err != nil {
		return Matrix{}, err
	}
	m := Matrix{Version: v, Measures: v.Document.Measures()}
	reports, err := s.Reports(ctx, frameworkID, v.Version)
	if err != nil {
		return Matrix{}, err
	}
	ends, err := s.Endorsements(ctx, Filter{FrameworkID: frameworkID, Version: v.Version, Kind: auth.State})
	if err != nil {
		return Matrix{}, err
	}
	seen := map[int64]bool{}
	add := func(o auth.Organisation, r *Report) {
		row := MatrixRow{Organisation: o, Report: r, Statuses: make([]string, len(m.Measures)), measures: m.Measures}
		if r != nil {
			for i, ms := range m.Measures {
				if it, ok := r.Item(ms.Number); ok {
					row.Statuses[i] = it.Status
				}
			}
		}
		m.Rows = append(m.Rows, row)
		seen[o.ID] = true
	}
	for i := range reports {
		add(reports[i].Organisation, &reports[i])
	}
	for _, e := range ends {
		if !seen[e.Organisation.ID] {
			add(e.Organisation, nil)
		}
	}
	return m, nil
}

// Round is a reporting round: the secretariat asks endorsing states to
// report on a framework version by a deadline.
type Round struct {
	ID          int64
	VersionID   int64
	FrameworkID string
	Version     string
	Title       Text
	OpensAt     time.Time
	Deadline    time.Time
}

// OpenRound opens a reporting round. Secretariat only.
func (s *Service) OpenRound(ctx context.Context, actor auth.Actor, frameworkID, version string, title Text, deadline time.Time) (Round, error) {
	if !actor.Is(auth.Secretariat) {
		return Round{}, pallmall.ErrForbidden
	}
	var ve pallmall.ValidationError
	checkText(&ve, "title", title, 300)
	now := store.Now()
	if deadline.IsZero() {
		ve.Add("deadline", "error.required")
	} else if !deadline.After(now) {
		ve.Add("deadline", "declare.error.deadline_past")
	}
	if err := ve.Err(); err != nil {
		return Round{}, err
	}
	v, err := s.Version(ctx, frameworkID, version)
	if err != nil {
		return Round{}, err
	}
	r := Round{VersionID: v.ID, FrameworkID: v.FrameworkID, Version: v.Version, Title: title, OpensAt: now, Deadline: deadline.UTC().Truncate(time.Microsecond)}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO reporting_rounds (version_id, title_en, title_fr, opens_at, deadline, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			v.ID, title.EN, title.FR, r.OpensAt, r.Deadline, nullID(actor.UserID), now).Scan(&r.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "round.open", "reporting_round", r.ID, v.Label())
	})
	return r, err
}

const roundQuery = `SELECT r.id, r.version_id, v.framework_id, v.version, r.title_en, r.title_fr, r.opens_at, r.deadline FROM reporting_rounds r JOIN framework_versions v ON v.id = r.version_id`

func scanRound(r interface{ Scan(...any) error }) (Round, error) {
	var x Round
	err := r.Scan(&x.ID, &x.VersionID, &x.FrameworkID, &x.Version, &x.Title.EN, &x.Title.FR, &x.OpensAt, &x.Deadline)
	x.OpensAt, x.Deadline = x.OpensAt.UTC(), x.Deadline.UTC()
	return x, err
}

// Rounds lists reporting rounds, newest first.
func (s *Service) Rounds(ctx context.Context) ([]Round, error) {
	rows, err := s.DB.Query(ctx, roundQuery+` ORDER BY r.opens_at DESC, r.id DESC`)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Round, error) { return scanRound(r) })
}

// RoundStatus returns a round with the states that reported since it
// opened and the endorsing states that have not.
func (s *Service) RoundStatus(ctx context.Context, actor auth.Actor, id int64) (Round, []Report, []auth.Organisation, error) {
	if !actor.Is(auth.Secretariat) {
		return Round{}, nil, nil, pallmall.ErrForbidden
	}
	r, err := scanRound(s.DB.QueryRow(ctx, roundQuery+` WHERE r.id = $1`, id))
	if err != nil {
		return r, nil, nil, fmt.Errorf("round %d: %w", id, err)
	}
	reports, err := s.Reports(ctx, r.FrameworkID, r.Version)
	if err != nil {
		return r, nil, nil, err
	}
	ends, err := s.Endorsements(ctx, Filter{FrameworkID: r.FrameworkID, Version: r.Version, Kind: auth.State})
	if err != nil {
		return r, nil, nil, err
	}
	var reported []Report
	done := map[int64]bool{}
	for _, rep := range reports {
		if !rep.PublishedAt.Before(r.OpensAt) {
			reported = append(reported, rep)
			done[rep.Organisation.ID] = true
		}
	}
	var missing []auth.Organisation
	for _, e := range ends {
		if !done[e.Organisation.ID] {
			missing = append(missing, e.Organisation)
		}
	}
	return r, reported, missing, nil
}
