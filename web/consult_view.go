package web

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall/consult"
)

// sectionView is a section with the questions to show.
type sectionView struct {
	consult.Section
	Questions []questionView
}

// questionView is what the question partial needs to draw one question:
// the question in the page's language, the values to show (as typed, or as
// saved) and its error.
type questionView struct {
	Q         consult.Question
	Name      string
	Text      string
	Hint      string
	Value     string
	Other     string
	Options   []optionView
	Ranks     []string // "1".."n" for ranking selects
	Error     string
	Limit     int
	Condition string // "Answer only if you answered Yes to …"
	File      *consult.FileInfo
}

type optionView struct {
	Value, Label, ID string
	Checked          bool
	Rank             string
}

func qName(id int64) string { return "q" + strconv.FormatInt(id, 10) }

// newQuestionView builds the view of q with values (from a posted form or
// from saved answers; nil for none).
func newQuestionView(q consult.Question, qn consult.Questionnaire, lang string, values url.Values, errKey string) questionView {
	name := qName(q.ID)
	v := questionView{Q: q, Name: name, Text: q.Text(lang), Hint: q.Hint(lang), Value: values.Get(name), Other: values.Get(name + "_other"),
		Error: errKey, Limit: q.Limit()}
	chosen := map[string]bool{}
	for _, c := range values[name] {
		chosen[c] = true
	}
	for i, o := range q.Choices() {
		id := name
		if i > 0 {
			id = fmt.Sprintf("%s-%s", name, o.Value)
		}
		v.Options = append(v.Options, optionView{Value: o.Value, Label: o.Label(lang), ID: id, Checked: chosen[o.Value], Rank: values.Get(name + "_rank_" + o.Value)})
	}
	if q.AllowOther {
		label := "Other, please specify"
		if lang == "fr" {
			label = "Autre (veuillez préciser)"
		}
		v.Options = append(v.Options, optionView{Value: consult.OtherValue, Label: label, ID: name + "-other", Checked: chosen[consult.OtherValue]})
	}
	if q.Kind == consult.Ranking {
		for i := range q.Choices() {
			v.Ranks = append(v.Ranks, strconv.Itoa(i+1))
		}
	}
	if q.CondQuestionID != 0 {
		if dep, ok := qn.Question(q.CondQuestionID); ok {
			var labels []string
			for _, cv := range q.CondValues {
				if o, ok := dep.Option(cv); ok {
					labels = append(labels, "“"+o.Label(lang)+"”")
				}
			}
			if lang == "fr" {
				v.Condition = fmt.Sprintf("À remplir seulement si vous avez répondu %s à « %s ».", strings.Join(labels, " ou "), dep.Text(lang))
			} else {
				v.Condition = fmt.Sprintf("Answer only if you answered %s to “%s”.", strings.Join(labels, " or "), dep.Text(lang))
			}
		}
	}
	return v
}

// answerValues turns a saved answer into form values, so a saved draft and
// a rejected form redisplay the same way.
func answerValues(q consult.Question, a consult.Answer, into url.Values) {
	name := qName(q.ID)
	switch q.Kind {
	case consult.ShortText, consult.LongText:
		if a.Text != "" {
			into.Set(name, a.Text)
		}
	case consult.Ranking:
		for i, c := range a.Choices {
			into.Set(name+"_rank_"+c, strconv.Itoa(i+1))
		}
	default:
		for _, c := range a.Choices {
			into.Add(name, c)
		}
		if a.Other != "" {
			into.Set(name+"_other", a.Other)
		}
	}
}

// answersFromValues reads a section's answers from a posted form.
func answersFromValues(sec consult.Section, values url.Values) map[int64]consult.Answer {
	out := map[int64]consult.Answer{}
	for _, q := range sec.Questions {
		name := qName(q.ID)
		var a consult.Answer
		switch q.Kind {
		case consult.ShortText, consult.LongText:
			a.Text = values.Get(name)
		case consult.Ranking:
			a.Choices = rankingFromValues(q, values)
		case consult.File:
			continue
		default:
			for _, c := range values[name] {
				if c != "" {
					a.Choices = append(a.Choices, c)
				}
			}
			a.Other = values.Get(name + "_other")
		}
		out[q.ID] = a
	}
	return out
}

// rankingFromValues orders a ranking question's options by the ranks
// chosen. Ties, gaps and unreadable ranks produce an ordering the domain
// rejects, so the respondent is told rather than guessed for.
func rankingFromValues(q consult.Question, values url.Values) []string {
	type ranked struct {
		value string
		rank  int
	}
	var rs []ranked
	bad := false
	for _, o := range q.Choices() {
		s := values.Get(qName(q.ID) + "_rank_" + o.Value)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > len(q.Choices()) {
			bad = true
			continue
		}
		rs = append(rs, ranked{o.Value, n})
	}
	if len(rs) == 0 && !bad {
		return nil
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].rank < rs[j].rank })
	var out []string
	for i, r := range rs {
		if r.rank != i+1 {
			bad = true
		}
		out = append(out, r.value)
	}
	if bad && len(out) > 0 {
		out = append(out, out[0]) // a duplicate: reported as an invalid ranking
	} else if bad {
		out = []string{"?"}
	}
	return out
}

// answerText shows an answer for reading back.
func answerText(q consult.Question, a consult.Answer, lang string) string {
	switch {
	case a.File != nil:
		return fmt.Sprintf("%s (%d KB)", a.File.Name, (a.File.Size+1023)/1024)
	case q.Kind == consult.ShortText || q.Kind == consult.LongText:
		return a.Text
	case q.Kind == consult.Ranking:
		var parts []string
		for i, c := range a.Choices {
			o, _ := q.Option(c)
			parts = append(parts, fmt.Sprintf("%d. %s", i+1, o.Label(lang)))
		}
		return strings.Join(parts, "; ")
	}
	var parts []string
	for _, c := range a.Choices {
		if c == consult.OtherValue {
			continue
		}
		o, _ := q.Option(c)
		parts = append(parts, o.Label(lang))
	}
	if a.Other != "" {
		other := "Other: "
		if lang == "fr" {
			other = "Autre : "
		}
		parts = append(parts, other+a.Other)
	}
	return strings.Join(parts, "; ")
}
