package consult_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestCampaignSettingsAreKeptAndUsed: a consultation's thresholds start at
// the defaults; out-of-range ones are refused field by field and nothing
// is kept; saved ones are read back, audited, and a run with them flags
// a burst the defaults would not.
func TestCampaignSettingsAreKeptAndUsed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newCampaignFixture(t, db)
		if cs, err := f.svc.CampaignSettings(ctx, analyst, f.c.ID); err != nil || cs != consult.DefaultCampaignSettings {
			t.Fatalf("CampaignSettings before any = %+v, %v; want the defaults", cs, err)
		}
		if _, err := f.svc.CampaignSettings(ctx, auth.Actor{UserID: 9, Role: auth.Delegate, OrganisationID: 1}, f.c.ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("CampaignSettings(delegate) = %v, want ErrForbidden", err)
		}
		err := f.svc.SaveCampaignSettings(ctx, analyst, f.c.ID, consult.CampaignSettings{MinSize: 1, BurstMin: 100001})
		if fe := fieldErrors(err); fe["min_size"] != "campaigns.error.threshold" || fe["burst_min"] != "campaigns.error.threshold" {
			t.Fatalf("SaveCampaignSettings(1, 100001) = %v, want both fields refused", err)
		}
		if cs, _ := f.svc.CampaignSettings(ctx, analyst, f.c.ID); cs != consult.DefaultCampaignSettings {
			t.Errorf("after a refused save, settings = %+v", cs)
		}

		want := consult.CampaignSettings{MinSize: 5, BurstMin: 8}
		if err := f.svc.SaveCampaignSettings(ctx, analyst, f.c.ID, want); err != nil {
			t.Fatal(err)
		}
		if cs, err := f.svc.CampaignSettings(ctx, secretariat, f.c.ID); err != nil || cs != want {
			t.Errorf("CampaignSettings = %+v, %v; want %+v", cs, err, want)
		}
		events, err := audit.List(ctx, db, audit.Filter{Action: "consultation.campaign_settings"})
		if err != nil || len(events) != 1 || events[0].Detail != "min_size=5 burst_min=8" {
			t.Errorf("audit = %+v, %v; want one event with the thresholds", events, err)
		}

		// Ten templated answers within ten seconds: a campaign of ten,
		// a burst only for a threshold under twenty.
		for i := range 10 {
			f.clock.t = f.clock.t.Add(time.Second)
			f.submit(t, person(i), templated(i), 0, consult.PublishNone)
		}
		bursts := func(opts consult.CampaignOptions) int {
			t.Helper()
			run, err := f.svc.StartCampaignRun(ctx, analyst, f.c.ID, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.RunCampaigns(ctx, analyst, run, opts); err != nil {
				t.Fatal(err)
			}
			flags, err := f.svc.Flags(ctx, analyst, f.c.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, fl := range flags {
				if fl.Kind == consult.FlagBurst && !fl.Stale {
					n++
				}
			}
			return n
		}
		if n := bursts(consult.DefaultCampaignSettings.Options()); n != 0 {
			t.Errorf("with the default thresholds, %d bursts; want none", n)
		}
		if n := bursts(want.Options()); n != 1 {
			t.Errorf("with the saved thresholds, %d bursts; want 1", n)
		}
	})
}
