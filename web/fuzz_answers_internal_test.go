package web

import (
	"net/url"
	"slices"
	"testing"

	"github.com/pallmall/pallmall/consult"
)

// fuzzSection has one question of every kind, with the ids the fuzz
// inputs name (q1 to q8).
func fuzzSection() consult.Section {
	opts := []consult.Option{{Value: "a", EN: "A", FR: "A"}, {Value: "b", EN: "B", FR: "B"}, {Value: "c", EN: "C", FR: "C"}}
	kinds := []consult.Kind{consult.ShortText, consult.LongText, consult.Single, consult.Multiple, consult.Likert, consult.Ranking, consult.YesNo, consult.File}
	sec := consult.Section{ID: 1}
	for i, k := range kinds {
		q := consult.Question{ID: int64(i + 1), SectionID: 1, Kind: k, TextEN: "Q", TextFR: "Q", MaxChars: 200}
		switch k {
		case consult.Single, consult.Multiple, consult.Ranking:
			q.Options, q.AllowOther = opts, k != consult.Ranking
		}
		sec.Questions = append(sec.Questions, q)
	}
	return sec
}

// FuzzAnswersFromValues decodes a posted consultation form (any body, as
// the no-JavaScript respondent form sends it) with the handler's decoder:
// it never panics, answers only the section's questions (never a file
// question, which has its own upload), and every answer the domain
// accepts survives the way back: turned into form values to redisplay it
// (answerValues) and decoded again, it normalises to the same answer.
// Seeds: testdata/fuzz/FuzzAnswersFromValues.
func FuzzAnswersFromValues(f *testing.F) {
	f.Add("q1=Hello&q2=Line+one%0D%0Aline+two&q3=b&q4=a&q4=c&q4_other=More&q5=4&q6_rank_a=2&q6_rank_b=1&q6_rank_c=3&q7=yes")
	f.Add("q6_rank_a=1&q6_rank_b=1&q6_rank_c=x")
	f.Add("q4=a&q4=a&q4=&q4=zzz&q3=other&q3_other=%E2%80%AEevil")
	f.Add("q8=file.pdf&q9=unknown&q1=%00&q1=second")
	sec := fuzzSection()
	f.Fuzz(func(t *testing.T, body string) {
		values, err := url.ParseQuery(body)
		if err != nil {
			return // the server answers 400 before any handler
		}
		got := answersFromValues(sec, values)
		for id := range got {
			q, ok := questionOf(sec, id)
			if !ok || q.Kind == consult.File {
				t.Fatalf("answersFromValues(%q) answers question %d, which the section does not ask in the form", body, id)
			}
		}
		for _, q := range sec.Questions {
			a, ok := got[q.ID]
			if !ok {
				continue
			}
			norm, key := q.Normalise(a)
			if key != "" {
				continue // refused with a message: nothing stored
			}
			back := url.Values{}
			answerValues(q, norm, back)
			again, key := q.Normalise(answersFromValues(consult.Section{Questions: []consult.Question{q}}, back)[q.ID])
			if key != "" || again.Text != norm.Text || again.Other != norm.Other || !slices.Equal(again.Choices, norm.Choices) {
				t.Fatalf("question %d (%s): %+v redisplayed as %v decodes to %+v (%q)", q.ID, q.Kind, norm, back, again, key)
			}
		}
	})
}

func questionOf(sec consult.Section, id int64) (consult.Question, bool) {
	for _, q := range sec.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return consult.Question{}, false
}

// TestAnswersFromValuesOfEveryKind checks that FuzzAnswersFromValues's
// first seed gives an accepted answer to every question the form asks, so
// the fuzz target's round trip is checked on real answers, not only on
// refused ones.
func TestAnswersFromValuesOfEveryKind(t *testing.T) {
	values, _ := url.ParseQuery("q1=Hello&q2=Line+one%0D%0Aline+two&q3=b&q4=a&q4=c&q4_other=More&q5=4&q6_rank_a=2&q6_rank_b=1&q6_rank_c=3&q7=yes")
	sec := fuzzSection()
	got := answersFromValues(sec, values)
	for _, q := range sec.Questions {
		if q.Kind == consult.File {
			continue
		}
		if _, key := q.Normalise(got[q.ID]); key != "" {
			t.Errorf("question %d (%s): answer %+v refused with %q, want accepted", q.ID, q.Kind, got[q.ID], key)
		}
	}
	if want := []string{"b", "a", "c"}; !slices.Equal(got[6].Choices, want) {
		t.Errorf("ranking = %v, want %v", got[6].Choices, want)
	}
}
