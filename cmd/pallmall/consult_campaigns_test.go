package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/consult"
)

func TestConsultCampaignsCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := dbFlags{dataDir: dir}
	db, err := d.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := d.keys()
	if err != nil {
		t.Fatal(err)
	}
	svc := &consult.Service{DB: db, Keys: keys}
	id := seedConsultation(t, svc, 3) // three organic answers
	qn, err := svc.Questionnaire(ctx, consultSystem, id)
	if err != nil {
		t.Fatal(err)
	}
	seedCampaign(t, svc, id, qn.Questions()[0].ID, 12)
	db.Close()

	stdout, stderr, err := runCmd(t, "consult", "campaigns", "--id", strconv.FormatInt(id, 10), "--format", "json", "--data", dir)
	if err != nil {
		t.Fatalf("consult campaigns: %v\n%s", err, stderr)
	}
	var got []campaignJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if len(got) != 1 || got[0].Size != 12 || got[0].Status != "suggested" || len(got[0].Variants) == 0 || got[0].Stakeholders["individual"] != 12 {
		t.Fatalf("campaigns = %+v, want one suggested campaign of 12 individuals with variants", got)
	}
	stdout, _, err = runCmd(t, "consult", "campaigns", "--id", strconv.FormatInt(id, 10), "--min-size", "13", "--data", dir)
	if err != nil || !strings.Contains(stdout, "No campaigns of 13 answers or more") {
		t.Errorf("--min-size 13 = %q, %v; want none", stdout, err)
	}
	stdout, _, err = runCmd(t, "consult", "campaigns", "--id", strconv.FormatInt(id, 10), "--data", dir)
	if err != nil || !strings.Contains(stdout, "12 answers") || !strings.Contains(stdout, "representative: We ask") {
		t.Errorf("text output = %q, %v; want the campaign of 12 and its representative", stdout, err)
	}
	for _, args := range [][]string{{"consult", "campaigns", "--data", dir}, {"consult", "campaigns", "--id", "1", "--format", "xml", "--data", dir}, {"consult", "campaigns", "--id", "1", "--min-size", "1", "--data", dir}} {
		if _, _, err := runCmd(t, args...); exitCode(err) != 2 {
			t.Errorf("%v: exit code %d, want 2 (usage)", args, exitCode(err))
		}
	}
}
