package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// summaryPageSize is the web package's page size for published responses.
const summaryPageSize = 100

// TestSummaryPagesAndCacheInvalidation checks that the published summary
// shows its published responses a page at a time, and that the cached
// summary is rebuilt as soon as a passage is redacted.
func TestSummaryPagesAndCacheInvalidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		n := summaryPageSize + 1
		for i := range n {
			civil := consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: fmt.Sprintf("Civil %d", i)}
			st.respondDirect(civil, map[int64]consult.Answer{st.q["short"].ID: {Text: fmt.Sprintf("View #%d# here", i)}, st.q["likert"].ID: {Choices: []string{"2"}}}, false, consult.PublishAnonymous)
		}
		wantStatus(t, "close", st.post(st.sec, st.admin("/status"), url.Values{"status": {"closed"}}), http.StatusSeeOther)
		wantStatus(t, "publish", st.post(st.sec, st.admin("/status"), url.Values{"status": {"published"}}), http.StatusSeeOther)

		res := st.get(st.client(), st.path("/summary"))
		wantStatus(t, "summary", res, http.StatusOK)
		for _, want := range []string{fmt.Sprintf("Published responses 1 to %d of %d.", summaryPageSize, n), `href="?page=2"`, "View #0# here"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("summary page 1 lacks %q", want)
			}
		}
		if last := fmt.Sprintf("View #%d#", n-1); strings.Contains(res.Body, last) {
			t.Errorf("summary page 1 shows %q, which belongs on page 2", last)
		}
		res = st.get(st.client(), st.path("/summary?page=2"))
		wantStatus(t, "summary page 2", res, http.StatusOK)
		for _, want := range []string{fmt.Sprintf("Published responses %d to %d of %d.", n, n, n), fmt.Sprintf("View #%d#", n-1), `href="?page=1"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("summary page 2 lacks %q", want)
			}
		}

		// A redaction shows at once, though the summary was cached.
		ctx := context.Background()
		var first int64
		if err := db.QueryRow(ctx, `SELECT MIN(id) FROM consult_responses WHERE consultation_id = $1`, st.id).Scan(&first); err != nil {
			t.Fatal(err)
		}
		svc := &consult.Service{DB: db}
		if err := svc.Redact(ctx, auth.System, st.id, first, st.q["short"].ID, "#0#", "identifying"); err != nil {
			t.Fatalf("Redact: %v", err)
		}
		res = st.get(st.client(), st.path("/summary"))
		wantStatus(t, "summary after redaction", res, http.StatusOK)
		if strings.Contains(res.Body, "View #0# here") {
			t.Errorf("summary still shows the redacted passage")
		}
	})
}
