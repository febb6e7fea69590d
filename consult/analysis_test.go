package consult_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestKappa(t *testing.T) {
	tests := []struct {
		a, b, c, d int
		want       float64
	}{
		{20, 5, 10, 15, 0.4},       // the textbook example: po 0.7, pe 0.5
		{10, 0, 0, 10, 1},          // perfect agreement
		{0, 10, 10, 0, -1},         // perfect disagreement
		{45, 15, 25, 15, 0.130435}, // po 0.6, pe 0.54
		{0, 0, 0, 0, 1},
	}
	for _, tt := range tests {
		if got := consult.Kappa(tt.a, tt.b, tt.c, tt.d); math.Abs(got-tt.want) > 1e-5 {
			t.Errorf("Kappa(%d, %d, %d, %d) = %.6f, want %.6f", tt.a, tt.b, tt.c, tt.d, got, tt.want)
		}
	}
}

func TestLikertSplit(t *testing.T) {
	neg, neu, pos := consult.LikertSplit(5)
	if len(neg) != 2 || len(neu) != 1 || neu[0] != 2 || len(pos) != 2 {
		t.Errorf("LikertSplit(5) = %v %v %v, want [0 1] [2] [3 4]", neg, neu, pos)
	}
	neg, neu, pos = consult.LikertSplit(4)
	if len(neg) != 2 || len(neu) != 0 || len(pos) != 2 {
		t.Errorf("LikertSplit(4) = %v %v %v, want [0 1] [] [2 3]", neg, neu, pos)
	}
}

// submit starts and submits a response with the given answers.
func (f *fixture) submit(t *testing.T, about consult.About, answers map[int64]consult.Answer, share bool, publish consult.Publish) string {
	t.Helper()
	ctx := context.Background()
	_, token, err := f.svc.Start(ctx, f.c.ID, about)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := f.svc.SaveAnswers(ctx, f.c.ID, token, f.sec.ID, answers, true); err != nil {
		t.Fatalf("SaveAnswers: %v", err)
	}
	b := share
	no := false
	if err := f.svc.SetConsent(ctx, f.c.ID, token, "en", &b, &no, publish); err != nil {
		t.Fatalf("SetConsent: %v", err)
	}
	if _, err := f.svc.Submit(ctx, f.c.ID, token); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return token
}

func TestAnalysisCodingAndRedaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		state := consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Delegate", OrganisationName: "Ruritania", Country: "RR"}
		f.submit(t, state, map[int64]consult.Answer{f.q["short"].ID: {Text: "Export licensing works"}, f.q["states"].ID: {Text: "We license vendors"},
			f.q["likert"].ID: {Choices: []string{"5"}}, f.q["single"].ID: {Choices: []string{"1"}}}, true, consult.PublishNamed)
		f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "Spyware hurts journalists; call Ada on 0123"},
			f.q["likert"].ID: {Choices: []string{"1"}}, f.q["single"].ID: {Choices: []string{"1"}}}, false, consult.PublishAnonymous)
		f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "Licensing is weak"}, f.q["likert"].ID: {Choices: []string{"2"}}}, false, consult.PublishNone)

		if _, err := f.svc.Analyse(ctx, public, f.c.ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("Analyse as public = %v, want ErrForbidden", err)
		}
		d, err := f.svc.Analyse(ctx, analyst, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Counts.Submitted != 3 || d.ByStakeholder[0].N != 1 || len(d.ByCountry) != 1 || d.ByCountry[0].Key != "RR" {
			t.Errorf("dashboard counts = %+v by %v in %v, want 3 submitted, 1 state from RR", d.Counts, d.ByStakeholder, d.ByCountry)
		}
		for _, q := range d.Questions {
			switch q.Q.ID {
			case f.q["states"].ID:
				if q.Shown != 1 || q.Answered != 1 {
					t.Errorf("states-only question shown %d answered %d, want 1 and 1", q.Shown, q.Answered)
				}
			case f.q["single"].ID:
				if q.Shown != 3 || q.Answered != 2 || q.Options[0].N != 2 || q.Options[0].ByStakeholder[consult.CivilSociety] != 1 {
					t.Errorf("single choice stats = %+v, want 2 of 3 answered, option 1 twice", q)
				}
			case f.q["likert"].ID:
				if q.Options[0].N != 1 || q.Options[1].N != 1 || q.Options[4].N != 1 {
					t.Errorf("likert counts = %+v", q.Options)
				}
			}
		}
		// Full-text search on both databases.
		texts, err := f.svc.Texts(ctx, analyst, f.c.ID, consult.TextFilter{Search: "licensing"})
		if err != nil {
			t.Fatal(err)
		}
		if len(texts) != 2 {
			t.Errorf("Texts(search licensing) = %d answers, want 2: %+v", len(texts), texts)
		}
		texts, _ = f.svc.Texts(ctx, analyst, f.c.ID, consult.TextFilter{Stakeholder: consult.CivilSociety, QuestionID: f.q["short"].ID})
		if len(texts) != 2 {
			t.Fatalf("Texts(civil society, short) = %d, want 2", len(texts))
		}
		spyware := texts[0]
		// Redaction: analysts and exports see the passage replaced; the
		// secretariat keeps the original.
		if err := f.svc.Redact(ctx, analyst, f.c.ID, spyware.ResponseID, spyware.QuestionID, "call Ada on 0123", ""); fieldErrors(err)["reason"] == "" {
			t.Errorf("Redact without reason = %v, want a reason required", err)
		}
		if err := f.svc.Redact(ctx, analyst, f.c.ID, spyware.ResponseID, spyware.QuestionID, "not in the text", "x"); fieldErrors(err)["passage"] == "" {
			t.Errorf("Redact(absent passage) = %v, want an error", err)
		}
		if err := f.svc.Redact(ctx, analyst, f.c.ID, spyware.ResponseID, spyware.QuestionID, "call Ada on 0123", "personal data"); err != nil {
			t.Fatal(err)
		}
		texts, _ = f.svc.Texts(ctx, analyst, f.c.ID, consult.TextFilter{Search: "spyware"})
		if len(texts) != 1 || texts[0].Text != "Spyware hurts journalists; [redacted]" || texts[0].Original != "" {
			t.Errorf("analyst reads %+v, want the passage redacted and no original", texts)
		}
		texts, _ = f.svc.Texts(ctx, secretariat, f.c.ID, consult.TextFilter{Search: "spyware"})
		if len(texts) != 1 || texts[0].Original != "Spyware hurts journalists; call Ada on 0123" {
			t.Errorf("secretariat reads %+v, want the original kept", texts)
		}
		// Two coders code independently; agreement is Cohen's kappa.
		harm, _ := f.svc.AddCode(ctx, analyst, f.c.ID, "Harm to journalists", "")
		lic, _ := f.svc.AddCode(ctx, analyst, f.c.ID, "Licensing", "")
		if _, err := f.svc.AddCode(ctx, analyst, f.c.ID, "licensing", ""); fieldErrors(err)["label"] != "consult.error.code_exists" {
			t.Errorf("AddCode(duplicate) = %v, want code_exists", err)
		}
		second := auth.Actor{UserID: 3, Role: auth.Analyst}
		all, _ := f.svc.Texts(ctx, analyst, f.c.ID, consult.TextFilter{QuestionID: f.q["short"].ID})
		for i, tx := range all {
			first := []int64{lic.ID}
			other := []int64{lic.ID}
			if i == 1 {
				first, other = []int64{harm.ID}, []int64{harm.ID, lic.ID}
			}
			if err := f.svc.SetCodes(ctx, analyst, f.c.ID, tx.ResponseID, tx.QuestionID, first); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.SetCodes(ctx, second, f.c.ID, tx.ResponseID, tx.QuestionID, other); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := f.svc.Coding(ctx, analyst, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Agreements) != 1 || rep.Agreements[0].Units != 3 {
			t.Fatalf("agreements = %+v, want one pair over 3 answers", rep.Agreements)
		}
		ag := rep.Agreements[0]
		// Harm: both yes once, both no twice: kappa 1. Licensing: both yes
		// twice, second only once: po 2/3, pe 1·(2/3)+0 → 0.
		if ag.ByCode[harm.ID] != 1 || math.Abs(ag.ByCode[lic.ID]) > 1e-9 {
			t.Errorf("kappa by code = %v, want harm 1 and licensing 0", ag.ByCode)
		}
		for _, th := range rep.Themes {
			if th.Code.ID == lic.ID && (th.N != 3 || th.ByStakeholder[consult.CivilSociety] != 2) {
				t.Errorf("licensing theme = %+v, want 3 answers, 2 from civil society", th)
			}
		}
		if err := f.svc.SetCodes(ctx, public, f.c.ID, all[0].ResponseID, all[0].QuestionID, nil); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("SetCodes as public = %v, want ErrForbidden", err)
		}
	})
}

func TestSummarySuppressesSmallCellsAndHonoursPublication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for i := 0; i < 5; i++ {
			f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "Civil answer"}, f.q["single"].ID: {Choices: []string{"1"}}}, false, consult.PublishAnonymous)
		}
		state := consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "Delegate", OrganisationName: "Ruritania", Country: "RR"}
		f.submit(t, state, map[int64]consult.Answer{f.q["short"].ID: {Text: "State answer"}, f.q["states"].ID: {Text: "x"}, f.q["single"].ID: {Choices: []string{"2"}}}, true, consult.PublishNamed)
		lone := consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Academia, Name: "Prof Lone"}
		f.submit(t, lone, map[int64]consult.Answer{f.q["short"].ID: {Text: "Lone answer"}}, false, consult.PublishAnonymous)
		f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "Private answer"}}, false, consult.PublishNone)

		if _, err := f.svc.Summary(ctx, public, f.c.ID); !errors.Is(err, pallmall.ErrNotFound) {
			t.Errorf("Summary before publication as public = %v, want ErrNotFound", err)
		}
		f.clock.t = f.c.ClosesAt
		if err := f.svc.SetStatus(ctx, secretariat, f.c.ID, consult.Published); err != nil {
			t.Fatal(err)
		}
		sum, err := f.svc.Summary(ctx, public, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total.N != 8 || sum.ByStakeholder[consult.CivilSociety].N != 6 || !sum.ByStakeholder[consult.State].Suppressed || sum.ByStakeholder[consult.Industry].Suppressed {
			t.Errorf("summary counts = %+v %+v, want 8 total, 6 civil society, states suppressed, zero industry shown", sum.Total, sum.ByStakeholder)
		}
		for _, q := range sum.Questions {
			// 5 of the 6 answers chose option 1 and 1 chose option 2: with
			// 6 answers published, showing the 5 would give the 1 away.
			if q.ID == f.q["single"].ID && (!q.Options[0].All.Suppressed || !q.Options[1].All.Suppressed || q.Answered.N != 6) {
				t.Errorf("single choice = %+v, answered %+v; want options 1 and 2 suppressed, 6 answered", q.Options, q.Answered)
			}
			if leak := summaryLeak(q); leak != "" {
				t.Errorf("question %q: %s", q.TextEN, leak)
			}
		}
		var named, anonymous int
		for _, p := range sum.Published {
			switch {
			case p.By == "Ruritania":
				named++
			case p.By != "":
				t.Errorf("published response names %q", p.By)
			default:
				anonymous++
				if p.Answers[f.q["short"].ID] == "Lone answer" && p.Stakeholder != "" {
					t.Errorf("a lone academic's anonymous response shows its stakeholder type")
				}
			}
			if p.Answers[f.q["short"].ID] == "Private answer" {
				t.Errorf("a response not to be published was published")
			}
		}
		if named != 1 || anonymous != 6 {
			t.Errorf("published %d named and %d anonymous, want 1 and 6", named, anonymous)
		}
	})
}

// summaryLeak returns a line of a question's published table that holds
// exactly one suppressed cell, which subtraction from the line's other
// published cells would give away; "" when there is none.
func summaryLeak(q consult.SummaryQuestion) string {
	rows := map[string][]consult.Cell{}
	var order []string
	add := func(name string, all consult.Cell, by map[consult.Stakeholder]consult.Cell) {
		row := []consult.Cell{all}
		for _, k := range consult.Stakeholders {
			row = append(row, by[k])
		}
		rows[name] = row
		order = append(order, name)
	}
	for _, o := range q.Options {
		add("option "+o.Option.Value, o.All, o.ByStakeholder)
	}
	if q.Other != nil {
		add("other", *q.Other, q.OtherBy)
	}
	add("answered", q.Answered, q.AnsweredBy)
	hiddenIn := func(cells []consult.Cell) int {
		n := 0
		for _, c := range cells {
			if c.Suppressed {
				n++
			}
		}
		return n
	}
	for _, name := range order {
		if hiddenIn(rows[name]) == 1 {
			return "row " + name + " has a single suppressed cell"
		}
	}
	switch q.Kind {
	case consult.Single, consult.YesNo, consult.Likert, consult.Ranking:
	default:
		return "" // only the rows add up
	}
	for j := range rows["answered"] {
		var col []consult.Cell
		for _, name := range order {
			col = append(col, rows[name][j])
		}
		if hiddenIn(col) == 1 {
			return fmt.Sprintf("column %d has a single suppressed cell", j)
		}
	}
	return ""
}

func TestSecondarySuppression(t *testing.T) {
	tests := []struct {
		name       string
		total      int
		parts      map[consult.Stakeholder]int
		wantHidden []consult.Stakeholder
		totalShown bool
	}{
		{"no small cells", 20, map[consult.Stakeholder]int{consult.State: 10, consult.Industry: 10}, nil, true},
		{"one small cell hides the next smallest", 23, map[consult.Stakeholder]int{consult.State: 2, consult.Industry: 9, consult.CivilSociety: 12}, []consult.Stakeholder{consult.State, consult.Industry}, true},
		{"two small cells are enough", 23, map[consult.Stakeholder]int{consult.State: 2, consult.Industry: 3, consult.CivilSociety: 18}, []consult.Stakeholder{consult.State, consult.Industry}, true},
		{"one type only, no small cells", 7, map[consult.Stakeholder]int{consult.State: 0, consult.Industry: 7, consult.Academia: 0}, nil, true},
		{"small part and zeros hide the total", 3, map[consult.Stakeholder]int{consult.State: 3, consult.Industry: 0}, []consult.Stakeholder{consult.State}, false},
	}
	for _, tt := range tests {
		all, cells := consult.SuppressRow(tt.total, tt.parts)
		var hidden []consult.Stakeholder
		for _, k := range consult.Stakeholders {
			if cells[k].Suppressed {
				hidden = append(hidden, k)
			}
		}
		if fmt.Sprint(hidden) != fmt.Sprint(tt.wantHidden) || all.Suppressed == tt.totalShown {
			t.Errorf("%s: SuppressRow(%d, %v) hides %v, total suppressed %v; want %v, total shown %v", tt.name, tt.total, tt.parts, hidden, all.Suppressed, tt.wantHidden, tt.totalShown)
		}
	}
}

func TestCodePassage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "Spyware hurts journalists and their sources"}}, false, consult.PublishNone)
		code, _ := f.svc.AddCode(ctx, analyst, f.c.ID, "Sources", "")
		texts, _ := f.svc.Texts(ctx, analyst, f.c.ID, consult.TextFilter{})
		a := texts[0]
		if err := f.svc.CodePassage(ctx, analyst, f.c.ID, a.ResponseID, a.QuestionID, code.ID, "not there"); fieldErrors(err)["passage"] != "consult.error.passage" {
			t.Errorf("CodePassage(absent) = %v, want a passage error", err)
		}
		if err := f.svc.CodePassage(ctx, analyst, f.c.ID, a.ResponseID, a.QuestionID, code.ID, "their sources"); err != nil {
			t.Fatal(err)
		}
		// Saving the answer's codes keeps the passage of a code that stays.
		if err := f.svc.SetCodes(ctx, analyst, f.c.ID, a.ResponseID, a.QuestionID, []int64{code.ID}); err != nil {
			t.Fatal(err)
		}
		texts, _ = f.svc.Texts(ctx, analyst, f.c.ID, consult.TextFilter{})
		if len(texts[0].Passages) != 1 || texts[0].Passages[0].Passage != "their sources" || len(texts[0].Codes[analyst.UserID]) != 1 {
			t.Errorf("passages = %+v, codes = %v; want the passage kept and the answer coded", texts[0].Passages, texts[0].Codes)
		}
	})
}

// TestSummaryRowsRepeatingTheWhoRowHideTogether: a question everyone
// answered repeats the "who responded" counts in its answered row, so the
// two must hide the same cells, or the one would give the other away.
func TestSummaryRowsRepeatingTheWhoRowHideTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		opts := []consult.Option{{EN: "Yes", FR: "Oui"}, {EN: "No", FR: "Non"}}
		q, err := f.svc.SaveQuestion(ctx, secretariat, consult.Question{ConsultationID: f.c.ID, SectionID: f.sec.ID, Kind: consult.Single,
			TextEN: "Everyone?", TextFR: "Tous ?", Required: true, Options: opts}, "")
		if err != nil {
			t.Fatal(err)
		}
		// Civil society: 6, all "1". States: 5, three "1" and two "2". No
		// count under 5 in the who row; the question's table hides states'
		// 3 and 2, then civil society's 6 and both answered cells.
		for range 6 {
			f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "x"}, q.ID: {Choices: []string{"1"}}}, false, consult.PublishNone)
		}
		for i := range 5 {
			choice := "1"
			if i >= 3 {
				choice = "2"
			}
			state := consult.About{Kind: consult.AsOrganisation, Stakeholder: consult.State, Name: "D", OrganisationName: "S", Country: "RR"}
			f.submit(t, state, map[int64]consult.Answer{f.q["short"].ID: {Text: "x"}, f.q["states"].ID: {Text: "y"}, q.ID: {Choices: []string{choice}}}, false, consult.PublishNone)
		}
		sum, err := f.svc.Summary(ctx, secretariat, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, sq := range sum.Questions {
			if leak := summaryLeak(sq); leak != "" {
				t.Errorf("question %q: %s", sq.TextEN, leak)
			}
			if sq.ID != q.ID && sq.ID != f.q["short"].ID {
				continue
			}
			if sq.Answered != sum.Total {
				t.Errorf("%q answered %+v, who responded %+v: want the same cell", sq.TextEN, sq.Answered, sum.Total)
			}
			for _, k := range consult.Stakeholders {
				if sq.AnsweredBy[k].Suppressed != sum.ByStakeholder[k].Suppressed {
					t.Errorf("%q answered by %s = %+v, who responded %+v: one shows what the other hides", sq.TextEN, k, sq.AnsweredBy[k], sum.ByStakeholder[k])
				}
			}
		}
		if !sum.ByStakeholder[consult.State].Suppressed || !sum.ByStakeholder[consult.CivilSociety].Suppressed {
			t.Errorf("who responded = %+v; want states and civil society hidden, as in the question's answered row", sum.ByStakeholder)
		}
		if leak := summaryLeak(consult.SummaryQuestion{Kind: consult.ShortText, Answered: sum.Total, AnsweredBy: sum.ByStakeholder}); leak != "" {
			t.Errorf("who responded: %s", leak)
		}
	})
}
