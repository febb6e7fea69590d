package consult

import (
	"context"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

// SmallCell is the smallest count the published summary shows: any count
// from 1 to SmallCell-1 is suppressed, so nobody can be picked out of a
// small group.
const SmallCell = 5

// Cell is a count in the published summary, suppressed when small.
type Cell struct {
	N          int  `json:"n,omitempty"`
	Suppressed bool `json:"suppressed,omitempty"`
}

// suppressRow turns a total and its parts by stakeholder type into cells:
// counts from 1 to SmallCell-1 are suppressed (primary suppression), and
// when that leaves a single suppressed part that the total would give
// away, the smallest other non-zero part is suppressed too, or the total
// if there is none (secondary suppression, within the row).
func suppressRow(total int, parts map[Stakeholder]int) (Cell, map[Stakeholder]Cell) {
	out := map[Stakeholder]Cell{}
	hidden := 0
	for k, n := range parts {
		out[k] = cell(n)
		if out[k].Suppressed {
			hidden++
		}
	}
	all := cell(total)
	if hidden == 1 && !all.Suppressed {
		var victim Stakeholder
		for _, k := range Stakeholders {
			n := parts[k]
			if n == 0 || out[k].Suppressed {
				continue
			}
			if victim == "" || n < parts[victim] {
				victim = k
			}
		}
		if victim != "" {
			out[victim] = Cell{Suppressed: true}
		} else {
			all = Cell{Suppressed: true}
		}
	}
	return all, out
}

func cell(n int) Cell {
	if n > 0 && n < SmallCell {
		return Cell{Suppressed: true}
	}
	return Cell{N: n}
}

// SummaryOption is one option's published counts.
type SummaryOption struct {
	Option        Option               `json:"option"`
	All           Cell                 `json:"all"`
	ByStakeholder map[Stakeholder]Cell `json:"by_stakeholder"`
}

// SummaryQuestion is one question's published figures.
type SummaryQuestion struct {
	Question   Question             `json:"-"`
	ID         int64                `json:"id"`
	TextEN     string               `json:"text_en"`
	TextFR     string               `json:"text_fr"`
	Kind       Kind                 `json:"kind"`
	Answered   Cell                 `json:"answered"`
	AnsweredBy map[Stakeholder]Cell `json:"answered_by"`
	Options    []SummaryOption      `json:"options,omitempty"`
	Other      *Cell                `json:"other,omitempty"`
}

// PublishedResponse is a response its respondent agreed to publish, with
// their name only if they chose so, and redactions applied.
type PublishedResponse struct {
	Reference string `json:"reference"`
	// By is the organisation's name, or the person's, for a named
	// publication; empty for an anonymous one.
	By          string           `json:"by,omitempty"`
	Stakeholder Stakeholder      `json:"stakeholder,omitempty"`
	Answers     map[int64]string `json:"answers"`
}

// Summary is what the published summary page and the summary API show.
type Summary struct {
	Consultation  Consultation         `json:"-"`
	Sections      []Section            `json:"-"`
	Total         Cell                 `json:"total"`
	Withdrawn     int                  `json:"withdrawn"`
	ByStakeholder map[Stakeholder]Cell `json:"by_stakeholder"`
	Questions     []SummaryQuestion    `json:"questions"`
	Published     []PublishedResponse  `json:"published_responses"`
}

// Summary returns the published summary of a consultation: open to anyone
// once it is published, and to the secretariat before, to check it.
// Counts under SmallCell are suppressed; published responses honour each
// respondent's choice (named, anonymous, or not at all) and redactions.
// An anonymous response shows its stakeholder type only when that type
// has at least SmallCell respondents.
func (s *Service) Summary(ctx context.Context, actor auth.Actor, id int64) (Summary, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return Summary{}, err
	}
	if c.Status != Published && !canManage(actor) {
		return Summary{}, pallmall.ErrNotFound
	}
	d, err := analyse(ctx, s.DB, id)
	if err != nil {
		return Summary{}, err
	}
	qn, err := loadQuestionnaire(ctx, s.DB, id)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Consultation: c, Sections: qn.Sections, Withdrawn: d.Counts.Withdrawn}
	kinds := map[Stakeholder]int{}
	for _, b := range d.ByStakeholder {
		kinds[Stakeholder(b.Key)] = b.N
	}
	sum.Total, sum.ByStakeholder = suppressRow(d.Counts.Submitted, kinds)
	for _, st := range d.Questions {
		sq := SummaryQuestion{Question: st.Q, ID: st.Q.ID, TextEN: st.Q.TextEN, TextFR: st.Q.TextFR, Kind: st.Q.Kind}
		sq.Answered, sq.AnsweredBy = suppressRow(st.Answered, st.AnsweredBy)
		for _, o := range st.Options {
			so := SummaryOption{Option: o.Option}
			so.All, so.ByStakeholder = suppressRow(o.N, o.ByStakeholder)
			sq.Options = append(sq.Options, so)
		}
		if st.Q.AllowOther {
			o := cell(st.Other)
			sq.Other = &o
		}
		sum.Questions = append(sum.Questions, sq)
	}
	redactions, err := loadRedactions(ctx, s.DB, id)
	if err != nil {
		return Summary{}, err
	}
	err = eachSubmitted(ctx, s.DB, s.keys(), id, FullIdentity, func(r *Submitted) error {
		if r.Consent.Publish != PublishNamed && r.Consent.Publish != PublishAnonymous {
			return nil
		}
		p := PublishedResponse{Reference: r.Reference, Answers: map[int64]string{}}
		if r.Consent.Publish == PublishNamed {
			p.By, p.Stakeholder = r.Name, r.Stakeholder
			if r.OrganisationName != "" {
				p.By = r.OrganisationName
			}
		} else if kinds[r.Stakeholder] >= SmallCell {
			p.Stakeholder = r.Stakeholder
		}
		for _, q := range qn.Questions() {
			a, ok := r.Answers[q.ID]
			if !ok || a.File != nil {
				continue // attachments are not published
			}
			a = redact(a, redactions[answerKey{r.ID, q.ID}])
			if t := answerExportText(q, a); t != "" {
				p.Answers[q.ID] = t
			}
		}
		sum.Published = append(sum.Published, p)
		return nil
	})
	return sum, err
}
