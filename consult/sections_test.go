package consult_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// order lists the questionnaire as section title: question ids.
func order(t *testing.T, f *fixture) [][]int64 {
	t.Helper()
	qn, err := f.svc.Questionnaire(context.Background(), secretariat, f.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]int64
	for _, sec := range qn.Sections {
		row := []int64{sec.ID}
		for _, q := range sec.Questions {
			row = append(row, q.ID)
		}
		out = append(out, row)
	}
	return out
}

func TestSectionsRenamedAndReordered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		second, err := f.svc.AddSection(ctx, secretariat, consult.Section{ConsultationID: f.c.ID, TitleEN: "Industry", TitleFR: "Industrie"}, "")
		if err != nil {
			t.Fatal(err)
		}
		extra, err := f.svc.SaveQuestion(ctx, secretariat, consult.Question{ConsultationID: f.c.ID, SectionID: second.ID, Kind: consult.ShortText, TextEN: "Extra?", TextFR: "En plus ?"}, "")
		if err != nil {
			t.Fatal(err)
		}
		// Before any response: no reason needed.
		if err := f.svc.UpdateSection(ctx, secretariat, consult.Section{ID: second.ID, ConsultationID: f.c.ID, TitleEN: "Vendors", TitleFR: "Fournisseurs", IntroEN: "For vendors", IntroFR: "Pour les fournisseurs"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UpdateSection(ctx, analyst, consult.Section{ID: second.ID, ConsultationID: f.c.ID, TitleEN: "x", TitleFR: "x"}, ""); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("UpdateSection as analyst = %v, want ErrForbidden", err)
		}
		if err := f.svc.UpdateSection(ctx, secretariat, consult.Section{ID: second.ID, ConsultationID: f.c.ID, TitleEN: "Vendors"}, ""); fieldErrors(err)["title_fr"] != "error.required" {
			t.Errorf("UpdateSection without a French title = %v, want title_fr required", err)
		}
		if err := f.svc.UpdateSection(ctx, secretariat, consult.Section{ID: second.ID, ConsultationID: f.c.ID + 1, TitleEN: "x", TitleFR: "x"}, ""); err == nil {
			t.Errorf("UpdateSection of another consultation's section succeeded")
		}
		// The first question of a section moves up into the end of the
		// section before; the last moves down into the start of the next.
		if err := f.svc.MoveQuestion(ctx, secretariat, f.c.ID, extra.ID, -1, ""); err != nil {
			t.Fatal(err)
		}
		got := order(t, f)
		if last := got[0][len(got[0])-1]; last != extra.ID || len(got[1]) != 1 {
			t.Fatalf("after moving up across sections: %v; want %d last of the first section", got, extra.ID)
		}
		if err := f.svc.MoveQuestion(ctx, secretariat, f.c.ID, extra.ID, 1, ""); err != nil {
			t.Fatal(err)
		}
		if got := order(t, f); len(got[1]) != 2 || got[1][1] != extra.ID {
			t.Fatalf("after moving down across sections: %v; want %d first of the second section", got, extra.ID)
		}
		// Section moves carry their questions.
		if err := f.svc.MoveSection(ctx, secretariat, f.c.ID, second.ID, -1, ""); err != nil {
			t.Fatal(err)
		}
		if got := order(t, f); got[0][0] != second.ID || got[0][1] != extra.ID {
			t.Fatalf("after moving the second section up: %v", got)
		}
		if err := f.svc.MoveSection(ctx, secretariat, f.c.ID, second.ID, -1, ""); err != nil {
			t.Errorf("moving the first section up = %v, want nothing done", err)
		}
		if err := f.svc.MoveSection(ctx, secretariat, f.c.ID, second.ID, 1, ""); err != nil {
			t.Fatal(err)
		}

		// Once a response exists, each change needs a reason, is audited
		// and listed for respondents.
		f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "x"}}, false, consult.PublishNone)
		rename := consult.Section{ID: second.ID, ConsultationID: f.c.ID, TitleEN: "Vendors and brokers", TitleFR: "Fournisseurs et courtiers"}
		if err := f.svc.UpdateSection(ctx, secretariat, rename, ""); fieldErrors(err)["reason"] == "" {
			t.Errorf("UpdateSection after a response without reason = %v, want reason required", err)
		}
		if err := f.svc.MoveSection(ctx, secretariat, f.c.ID, second.ID, -1, ""); fieldErrors(err)["reason"] == "" {
			t.Errorf("MoveSection after a response without reason = %v, want reason required", err)
		}
		if err := f.svc.MoveQuestion(ctx, secretariat, f.c.ID, extra.ID, -1, ""); fieldErrors(err)["reason"] == "" {
			t.Errorf("MoveQuestion after a response without reason = %v, want reason required", err)
		}
		if err := f.svc.UpdateSection(ctx, secretariat, rename, "Brokers asked to be named"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MoveSection(ctx, secretariat, f.c.ID, second.ID, -1, "Vendors first"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MoveQuestion(ctx, secretariat, f.c.ID, extra.ID, 1, "Extra question later"); err != nil {
			t.Fatal(err)
		}
		changes, _ := f.svc.Changes(ctx, public, f.c.ID)
		if len(changes) != 3 || changes[0].What != "sections" || changes[0].Reason != "Brokers asked to be named" || changes[2].What != "questions" {
			t.Errorf("changes = %+v, want the rename, the section move and the question move with their reasons", changes)
		}
		events, _ := audit.List(ctx, db, audit.Filter{Action: "consultation.section_update"})
		moves, _ := audit.List(ctx, db, audit.Filter{Action: "consultation.section_move"})
		if len(events) != 2 || len(moves) != 3 {
			t.Errorf("audit: %d section updates and %d section moves, want 2 and 3", len(events), len(moves))
		}
		qn, _ := f.svc.Questionnaire(ctx, public, f.c.ID)
		if qn.Sections[0].TitleFR != "Fournisseurs et courtiers" || qn.Sections[0].IntroEN != "" {
			t.Errorf("first section = %+v, want the renamed one", qn.Sections[0])
		}
	})
}

// TestMovesKeepConditionsAfterTheirQuestion refuses moves that would put a
// conditional question before the question it depends on.
func TestMovesKeepConditionsAfterTheirQuestion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		// "ifyes" depends on "yesno", two places above it.
		if err := f.svc.MoveQuestion(ctx, secretariat, f.c.ID, f.q["ifyes"].ID, -1, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MoveQuestion(ctx, secretariat, f.c.ID, f.q["ifyes"].ID, -1, ""); fieldErrors(err)["order"] != "consult.error.order" {
			t.Fatalf("moving a conditional question above its condition = %v, want consult.error.order", err)
		}
		before := order(t, f)
		if err := f.svc.MoveQuestion(ctx, secretariat, f.c.ID, f.q["yesno"].ID, 1, ""); fieldErrors(err)["order"] != "consult.error.order" {
			t.Errorf("moving a condition below its question = %v, want consult.error.order", err)
		}
		if got := order(t, f); len(got[0]) != len(before[0]) || got[0][len(got[0])-1] != before[0][len(before[0])-1] {
			t.Errorf("a refused move changed the order: %v, was %v", got, before)
		}
		second, _ := f.svc.AddSection(ctx, secretariat, consult.Section{ConsultationID: f.c.ID, TitleEN: "Later", TitleFR: "Plus tard"}, "")
		q := f.q["yesno"]
		q.SectionID = second.ID
		if _, err := f.svc.SaveQuestion(ctx, secretariat, q, ""); fieldErrors(err)["order"] != "consult.error.order" {
			t.Errorf("moving a condition to a later section = %v, want consult.error.order", err)
		}
		q = f.q["ifyes"]
		q.SectionID = second.ID
		if _, err := f.svc.SaveQuestion(ctx, secretariat, q, ""); err != nil {
			t.Fatalf("moving a conditional question to a later section: %v", err)
		}
		if got := order(t, f); got[1][1] != q.ID {
			t.Errorf("after moving to the later section: %v, want %d in it", got, q.ID)
		}
	})
}
