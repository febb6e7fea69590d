package consult_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

// TestRenamingOptionsKeepsAnswers renames and reorders a question's options
// after answers exist: the answers stay on their options (by key), the
// change needs a reason and is recorded, and the analysis and the export
// show the new labels.
func TestRenamingOptionsKeepsAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		q := f.q["single"] // 1 Licensing, 2 Export controls, 3 Procurement
		for range 2 {
			f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "x"}, q.ID: {Choices: []string{"1"}}}, false, consult.PublishNone)
		}
		f.submit(t, civil(), map[int64]consult.Answer{f.q["short"].ID: {Text: "x"}, q.ID: {Choices: []string{"3"}}}, false, consult.PublishNone)

		// As the builder sends it back: keys kept, labels and order changed.
		opts, ok := consult.ParseOptions("3 = Public procurement | Marchés publics\n1 = Export licensing | Licences d’exportation\nAudits | Audits\n")
		if !ok {
			t.Fatal("ParseOptions refused keyed lines")
		}
		q.Options = opts
		if _, err := f.svc.SaveQuestion(ctx, secretariat, q, ""); fieldErrors(err)["reason"] == "" {
			t.Fatalf("renaming options after responses without a reason = %v, want a reason required", err)
		}
		saved, err := f.svc.SaveQuestion(ctx, secretariat, q, "Clearer option names")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range saved.Options {
			keys = append(keys, o.Value+"="+o.EN)
		}
		if got, want := strings.Join(keys, ", "), "3=Public procurement, 1=Export licensing, 4=Audits"; got != want {
			t.Errorf("options after rename = %s, want %s (removed key 2 not reused)", got, want)
		}
		if got := consult.FormatOptions(saved.Options); !strings.HasPrefix(got, "3 = Public procurement | Marchés publics\n") {
			t.Errorf("FormatOptions = %q, want keyed lines", got)
		}
		changes, _ := f.svc.Changes(ctx, public, f.c.ID)
		if len(changes) != 1 || changes[0].Reason != "Clearer option names" {
			t.Errorf("changes = %+v, want the rename with its reason", changes)
		}

		d, err := f.svc.Analyse(ctx, analyst, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range d.Questions {
			if st.Q.ID != q.ID {
				continue
			}
			got := map[string]int{}
			for _, o := range st.Options {
				got[o.Option.EN] = o.N
			}
			if got["Export licensing"] != 2 || got["Public procurement"] != 1 || got["Audits"] != 0 {
				t.Errorf("analysis after rename = %v, want 2 export licensing, 1 public procurement", got)
			}
		}
		var buf bytes.Buffer
		if err := f.svc.Export(ctx, secretariat, f.c.ID, consult.ExportOptions{Format: "csv"}, &buf); err != nil {
			t.Fatal(err)
		}
		if out := buf.String(); strings.Count(out, "Export licensing") != 2 || strings.Count(out, "Public procurement") != 1 || strings.Contains(out, "Licensing,") {
			t.Errorf("export after rename:\n%s\nwant the new labels on the old answers", out)
		}
	})
}

func TestParseOptionsKeys(t *testing.T) {
	tests := []struct {
		text string
		want []consult.Option
		ok   bool
	}{
		{"Yes | Oui\nNo | Non", []consult.Option{{EN: "Yes", FR: "Oui"}, {EN: "No", FR: "Non"}}, true},
		{"2 = Two | Deux\n\n  x-1 =  Ex | Ex ", []consult.Option{{Value: "2", EN: "Two", FR: "Deux"}, {Value: "x-1", EN: "Ex", FR: "Ex"}}, true},
		{"E = mc2 | E = mc2", []consult.Option{{EN: "E = mc2", FR: "E = mc2"}}, true},
		{"2 = Two", []consult.Option{{Value: "2", EN: "Two"}}, false},
	}
	for _, tt := range tests {
		got, ok := consult.ParseOptions(tt.text)
		if ok != tt.ok || len(got) != len(tt.want) {
			t.Errorf("ParseOptions(%q) = %+v, %v; want %+v, %v", tt.text, got, ok, tt.want, tt.ok)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseOptions(%q)[%d] = %+v, want %+v", tt.text, i, got[i], tt.want[i])
			}
		}
	}
}
