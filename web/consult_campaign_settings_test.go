package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestCampaignThresholdsAreKeptPerConsultation: the campaigns page shows
// the consultation's thresholds (the defaults at first); a bad one shows
// the page again with the error and what was typed, starting nothing; good
// ones start a run and are shown next time.
func TestCampaignThresholdsAreKeptPerConsultation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		an := st.signIn("analyst")
		page := st.admin("/analysis/campaigns")
		res := st.get(an, page)
		wantStatus(t, "campaigns page", res, http.StatusOK)
		for _, want := range []string{`name="min_size" type="text"`, `value="10"`, `name="burst_min" type="text"`, `value="20"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("campaigns page lacks %q", want)
			}
		}

		res = st.post(an, page+"/run", url.Values{"min_size": {"1"}, "burst_min": {"twenty"}})
		wantStatus(t, "run with bad thresholds", res, http.StatusUnprocessableEntity)
		for _, want := range []string{"Enter a whole number from 2 to 100,000", `value="1"`, `value="twenty"`, `href="#min_size"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		svc := &consult.Service{DB: db}
		ctx := context.Background()
		if _, err := svc.LatestCampaignRun(ctx, auth.System, st.id); err == nil {
			t.Error("a run started although the thresholds were refused")
		}

		res = st.post(an, page+"/run", url.Values{"min_size": {"5"}, "burst_min": {"1,000"}})
		wantStatus(t, "run", res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); !strings.Contains(loc, "/analysis/campaigns/runs/") {
			t.Errorf("run redirected to %q", loc)
		}
		// Wait for the run, which goes on after the reply.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			run, err := svc.LatestCampaignRun(ctx, auth.System, st.id)
			if err == nil && run.State != "running" {
				if run.MinSize != 5 {
					t.Errorf("the run's smallest campaign = %d, want 5", run.MinSize)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the run did not finish: %+v, %v", run, err)
			}
		}
		res = st.get(an, page)
		if !strings.Contains(res.Body, `value="5"`) || !strings.Contains(res.Body, `value="1000"`) {
			t.Errorf("the campaigns page does not show the kept thresholds 5 and 1000")
		}
	})
}
