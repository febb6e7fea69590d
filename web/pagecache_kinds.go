package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/store"
)

// The public pages kept by the page cache (pagecache.go), each with what
// its stamp reads. Every stamp is one query: primary-key lookups, or the
// summary's index seeks, whatever the size of the data.
var (
	// The consultation page shows the consultation, its sections, its
	// reasoned changes and the deliberations linked to it, and whether it
	// is open, which changes by itself when it opens or closes.
	pageConsultation = &pageKind{name: "consultation", stamp: (*Server).consultationStamp}
	// The published summary is built from the consultation, its
	// questionnaire, submitted responses, redactions and campaigns:
	// consult.SummaryStamp, which the summary's own cache checks too.
	pageSummary = &pageKind{name: "summary", stamp: (*Server).summaryStamp, params: []string{"page"}}
	// A framework's signatory register and a framework's page show
	// frameworks, versions, endorsements and organisations' names, with
	// the log index of each entry once the ledger has appended it.
	pageSignatories = &pageKind{name: "signatories", stamp: generationsStamp(true, store.GenDeclare, store.GenOrganisations),
		params: []string{"version", "name", "withdrawn", "kind", "method"}} // declareSignatoryFilter
	pageFramework = &pageKind{name: "framework", stamp: generationsStamp(true, store.GenDeclare), params: []string{"version"}}
	// A register record's page shows the record, its versions with their
	// log indices, the takedown requests about it and the records linked
	// to it.
	pageRegisterRecord = &pageKind{name: "register_record", stamp: generationsStamp(true, store.GenRegister)}
)

// ledgerPositionSQL is how far the ledger worker has recorded log indices
// in the outbox: it moves, in the same transaction, whenever a pending
// entry gets its index, so a page showing "pending" is rebuilt then.
const ledgerPositionSQL = "(SELECT logged_up_to FROM ledger_worker WHERE id = 1)"

// generationsStamp returns a stamp reading the given data generations and,
// with ledger, the ledger's position.
func generationsStamp(ledger bool, domains ...string) func(*Server, *http.Request) (string, time.Time, error) {
	cols := make([]string, 0, len(domains)+1)
	for _, d := range domains {
		cols = append(cols, store.GenerationSQL(d))
	}
	if ledger {
		cols = append(cols, ledgerPositionSQL)
	}
	query := "SELECT " + strings.Join(cols, ", ")
	return func(s *Server, r *http.Request) (string, time.Time, error) {
		vals := make([]int64, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := s.DB.QueryRow(r.Context(), query).Scan(dest...); err != nil {
			return "", time.Time{}, err
		}
		return fmt.Sprint(vals), time.Time{}, nil
	}
}

var consultationStampSQL = `SELECT opens_at, closes_at, ` + store.GenerationSQL(store.GenConsult) + `, ` + store.GenerationSQL(store.GenDeliberate) +
	` FROM consultations WHERE id = $1`

func (s *Server) consultationStamp(r *http.Request) (string, time.Time, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return "none", time.Time{}, nil // the handler answers 404, which is not kept
	}
	var opens, closes time.Time
	var consultGen, delibGen int64
	err = s.DB.QueryRow(r.Context(), consultationStampSQL, id).Scan(&opens, &closes, &consultGen, &delibGen)
	if errors.Is(err, pallmall.ErrNotFound) {
		return "none", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, err
	}
	// The page changes by itself when the consultation opens and when it
	// closes (consult.Consultation.State and Accepting).
	var changes time.Time
	switch now := time.Now(); {
	case opens.After(now):
		changes = opens
	case closes.After(now):
		changes = closes
	}
	return fmt.Sprintf("%d/%d", consultGen, delibGen), changes, nil
}

func (s *Server) summaryStamp(r *http.Request) (string, time.Time, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return "none", time.Time{}, nil
	}
	stamp, err := s.consultations().SummaryStamp(r.Context(), id)
	if errors.Is(err, pallmall.ErrNotFound) {
		return "none", time.Time{}, nil
	}
	return stamp, time.Time{}, err
}
