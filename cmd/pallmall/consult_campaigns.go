package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// campaignJSON is one campaign as `consult campaigns --format json` prints
// it. Texts have redactions applied; no respondent is identified.
type campaignJSON struct {
	ID             int64          `json:"id"`
	QuestionID     int64          `json:"question_id"`
	Status         string         `json:"status"`
	Size           int            `json:"size"`
	Distinct       int            `json:"distinct_texts"`
	First          time.Time      `json:"first"`
	Last           time.Time      `json:"last"`
	Stakeholders   map[string]int `json:"stakeholders"`
	Burst          int            `json:"burst"`
	BurstStart     time.Time      `json:"burst_start,omitzero"`
	Representative string         `json:"representative"`
	Variants       []variantJSON  `json:"variants"`
	Stale          bool           `json:"stale,omitempty"`
}

type variantJSON struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// runConsultCampaigns runs a campaign detection on a consultation and
// lists its campaigns of at least --min-size answers.
func runConsultCampaigns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("consult campaigns", stderr)
	var db dbFlags
	db.register(fs)
	id := fs.Int64("id", 0, "consultation id")
	minSize := fs.Int("min-size", 0, "smallest campaign, in answers (default: the consultation's saved threshold, 10 unless changed on its campaigns page)")
	format := fs.String("format", "text", "text or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usageError{"--id is required"}
	}
	if *minSize != 0 && *minSize < 2 {
		return usageError{"--min-size must be at least 2"}
	}
	if *format != "text" && *format != "json" {
		return usageError{"--format must be text or json"}
	}
	d, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := db.keys()
	if err != nil {
		return err
	}
	svc := &consult.Service{DB: d, Keys: keys}
	// The consultation's saved thresholds, with --min-size for this run.
	settings, err := svc.CampaignSettings(ctx, auth.System, *id)
	if err != nil {
		return err
	}
	if *minSize == 0 {
		*minSize = settings.MinSize
	}
	opts := settings.Options()
	opts.MinSize = *minSize
	run, err := svc.StartCampaignRun(ctx, auth.System, *id, opts)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := svc.RunCampaigns(ctx, auth.System, run, opts); err != nil {
		return err
	}
	took := time.Since(start)
	if run, err = svc.CampaignRunByID(ctx, auth.System, *id, run.ID); err != nil {
		return err
	}
	cs, err := svc.Campaigns(ctx, auth.System, *id, *minSize)
	if err != nil {
		return err
	}
	if *format == "json" {
		out := []campaignJSON{}
		for _, c := range cs {
			j := campaignJSON{ID: c.ID, QuestionID: c.QuestionID, Status: c.Status, Size: c.Size, Distinct: c.Distinct, First: c.First, Last: c.Last,
				Stakeholders: map[string]int{}, Burst: c.Burst, BurstStart: c.BurstStart, Representative: c.Representative, Variants: []variantJSON{}, Stale: c.Stale}
			for k, n := range c.Stakeholders {
				j.Stakeholders[string(k)] = n
			}
			for _, v := range c.Variants {
				j.Variants = append(j.Variants, variantJSON{Text: v.Text, Count: v.Count})
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stderr, "run %d: %d answers analysed in %s\n", run.ID, run.Total, took.Round(time.Millisecond))
	if len(cs) == 0 {
		fmt.Fprintf(stdout, "No campaigns of %d answers or more.\n", *minSize)
		return nil
	}
	for _, c := range cs {
		fmt.Fprintf(stdout, "Campaign %d (question %d, %s%s): %d answers, %d different texts, %s to %s\n", c.ID, c.QuestionID, c.Status, map[bool]string{true: ", not found again"}[c.Stale],
			c.Size, c.Distinct, c.First.Format(time.RFC3339), c.Last.Format(time.RFC3339))
		var kinds []string
		for _, k := range consult.Stakeholders {
			if n := c.Stakeholders[k]; n > 0 {
				kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
			}
		}
		fmt.Fprintf(stdout, "  stakeholders: %s\n", strings.Join(kinds, ", "))
		if c.Burst > 0 {
			fmt.Fprintf(stdout, "  burst: %d answers within a minute from %s\n", c.Burst, c.BurstStart.Format(time.RFC3339))
		}
		fmt.Fprintf(stdout, "  representative: %s\n", c.Representative)
		for _, v := range c.Variants {
			fmt.Fprintf(stdout, "  variant (%d): %s\n", v.Count, v.Text)
		}
	}
	return nil
}
