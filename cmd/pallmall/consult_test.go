package main

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

func TestConsultExportCommand(t *testing.T) {
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
	id := seedConsultation(t, &consult.Service{DB: db, Keys: keys}, 3)
	db.Close()
	stdout, stderr, err := runCmd(t, "consult", "export", "--id", strconv.FormatInt(id, 10), "--format", "csv", "--data", dir)
	if err != nil {
		t.Fatalf("consult export: %v\n%s", err, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("export = %d rows (%v), want a header and 3 responses:\n%s", len(rows), err, stdout)
	}
	if !strings.Contains(stderr, "100% 3/3") {
		t.Errorf("progress on stderr = %q, want it to reach 100%% 3/3", stderr)
	}
	for _, args := range [][]string{{"consult", "export", "--data", dir}, {"consult", "export", "--id", "1", "--format", "pdf", "--data", dir}} {
		if _, _, err := runCmd(t, args...); exitCode(err) != 2 {
			t.Errorf("%v: exit code %d, want 2 (usage)", args, exitCode(err))
		}
	}
}

// seedConsultation creates an open consultation with one question and n
// submitted responses, and returns its id.
func seedConsultation(t testing.TB, svc *consult.Service, n int) int64 {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: "Bench", TitleFR: "Bench", SummaryEN: "S", SummaryFR: "S",
		Audiences: []consult.Stakeholder{consult.CivilSociety}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "S", TitleFR: "S"}, "")
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.ShortText, TextEN: "Why?", TextFR: "Pourquoi ?"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
		t.Fatal(err)
	}
	no := false
	for i := range n {
		_, err := svc.SubmitDirect(ctx, auth.System, c.ID, consult.Direct{About: consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: "R" + strconv.Itoa(i)},
			Answers: map[int64]consult.Answer{q.ID: {Text: "Because " + strconv.Itoa(i)}}, Share: &no, Contact: &no, Publish: consult.PublishNone, Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
	}
	return c.ID
}
